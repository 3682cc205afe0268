package endpoint

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ErrExpired is passed to Options.Hint when the provider returned credentials that have
// already expired.
var ErrExpired = errors.New("credentials provider returned expired credentials")

var errNoKeys = errors.New("credentials provider returned empty keys")

// retrieve asks the provider, with start+s.timeout as the context deadline. The call runs on
// the request's goroutine. Running it on a goroutine of its own would keep the deadline even
// for a provider that ignores ctx, but a goroutine start and two wake-ups per request cost
// several times the rest of the handler; the provider is required to honour ctx instead.
func (s *Server) retrieve(ctx context.Context, start time.Time) (c aws.Credentials, err error) {
	b := newBudget(ctx, start.Add(s.timeout))
	defer b.release()
	defer func() {
		// net/http would recover a panic too, but the client would see a dropped connection
		// instead of a 503 it retries.
		if p := recover(); p != nil {
			c, err = aws.Credentials{}, fmt.Errorf("credentials provider panicked: %v", p)
		}
	}()
	c, err = s.provider.Retrieve(b)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("credentials provider gave no answer within %v: %w", s.timeout, err)
	}
	return c, err
}

// usable is the last guard before credentials go out: the provider should never hand out
// expired or empty credentials, but if it does the client gets a 503, not dead keys. Seconds are
// compared because the served Expiration is cut to the second.
func usable(c aws.Credentials, now time.Time) error {
	if !c.HasKeys() {
		return errNoKeys
	}
	if c.CanExpire && c.Expires.Unix() <= now.Unix() {
		return ErrExpired
	}
	return nil
}
