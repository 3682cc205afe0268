package wrapper

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/smithy-go"
	"github.com/awsrun/awsrun/creds"
)

// errKind names the cause of a failed renewal without the parts that change on every attempt
// (request ids, local ports), so a fault that lasts is logged once, not once per retry.
func errKind(err error) string {
	var login *creds.LoginRequiredError
	var api smithy.APIError
	var op *net.OpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &login):
		return "login-required"
	case errors.As(err, &api):
		return "api:" + api.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.As(err, &op):
		return "net:" + op.Op + ":" + fmt.Sprintf("%T", op.Err)
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return fmt.Sprintf("%T:%s", err, err.Error())
}
