package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	signintypes "github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/smithy-go"
)

// loginProvider renews an `aws login` profile's credentials with the SDK's logincreds provider
// when awsrun asks, not only once they have expired.
//
// logincreds returns the cached access credentials until the moment they expire and has no
// option to renew earlier, while awsrun's refresh rule renews a third of the lifetime ahead so
// clients never hold credentials in their own refresh windows. So a renewal runs the SDK's
// provider on a private copy of the cache whose expiry is marked past: the SDK makes the
// CreateOAuth2Token call (DPoP proof and all) and writes the copy, which then replaces the
// user's cache in one rename, so no reader ever sees a torn file from awsrun.
type loginProvider struct {
	profile string
	path    string
	client  *signin.Client
	now     func() time.Time

	// last is what Retrieve returned last. One caller at a time: Source.mu, or for a role's
	// source the credentials cache around the provider.
	last aws.Credentials
}

func newLoginProvider(profile, path string, cfg aws.Config) *loginProvider {
	return &loginProvider{profile: profile, path: path, client: signin.NewFromConfig(cfg), now: time.Now}
}

// Retrieve returns credentials newer than the ones it returned last: the cached ones when
// another process (a new `aws login`, another awsrun, the CLI) has put newer ones there,
// otherwise new ones from the sign-in service.
func (p *loginProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	// Refresh tokens rotate: two processes renewing with the same one at once would make the
	// second fail as if the session had ended. awsrun processes take turns on the cache's
	// directory; the loser then finds the winner's credentials in the cache.
	unlock, err := lockDir(ctx, filepath.Dir(p.path))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return aws.Credentials{}, fmt.Errorf("lock the login token cache directory: %w", err)
	}
	if unlock != nil {
		defer unlock()
	}
	data, tok, cached, err := p.read(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	if cached.AccessKeyID != p.last.AccessKeyID && p.now().Before(cached.Expires) {
		// What the SDK itself would return for them.
		p.last = cached
		return cached, nil
	}
	c, err := p.renew(ctx, data, tok)
	if err != nil {
		return aws.Credentials{}, err
	}
	p.last = c
	return c, nil
}

// tornRetries and tornWait bound the re-reads of a cache caught mid-write: the CLI and the SDKs
// rewrite it in place (truncate, then write), which a reader can see as empty or cut-off JSON.
const (
	tornRetries = 3
	tornWait    = 50 * time.Millisecond
)

// read reads and checks the cache, re-reading a torn one a few times before calling it unusable.
func (p *loginProvider) read(ctx context.Context) ([]byte, LoginToken, aws.Credentials, error) {
	for attempt := 1; ; attempt++ {
		data, err := os.ReadFile(p.path)
		if err != nil {
			return nil, LoginToken{}, aws.Credentials{}, p.loginRequired(&LoginCacheError{Path: p.path, Err: err})
		}
		tok, c, err := parseLoginCache(p.path, data)
		var ce *LoginCacheError
		if err == nil || attempt == tornRetries || !errors.As(err, &ce) || !strings.HasPrefix(ce.Problem, "not valid JSON") {
			if err != nil {
				err = p.loginRequired(err)
			}
			return data, tok, c, err
		}
		t := time.NewTimer(tornWait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, LoginToken{}, aws.Credentials{}, ctx.Err()
		}
	}
}

// renew runs the SDK's provider on a copy of the cache marked expired, then puts the copy in
// place of the cache.
func (p *loginProvider) renew(ctx context.Context, data []byte, tok LoginToken) (aws.Credentials, error) {
	var doc map[string]json.RawMessage
	var access map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return aws.Credentials{}, p.loginRequired(&LoginCacheError{Path: p.path, Problem: "not valid JSON (partly written?)"})
	}
	if err := json.Unmarshal(doc["accessToken"], &access); err != nil {
		return aws.Credentials{}, p.loginRequired(&LoginCacheError{Path: p.path, Problem: "accessToken is not an object"})
	}
	access["expiresAt"] = time.Unix(0, 0).UTC().Format(time.RFC3339)
	doc["accessToken"], _ = json.Marshal(access)
	stale, _ := json.Marshal(doc)

	// The copy lives next to the cache under a temporary name (".tmp-"), which watchers skip,
	// so the final rename stays on one file system.
	f, err := os.CreateTemp(filepath.Dir(p.path), filepath.Base(p.path)+".tmp-awsrun-*")
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("copy the login token cache: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing left to remove
	_, err = f.Write(stale)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("copy the login token cache: %w", err)
	}

	rec := &recordingClient{inner: p.client}
	c, err := logincreds.New(rec, tmp, func(o *logincreds.Options) { o.RestrictPermissions = true }).Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, p.classify(err, rec.err)
	}
	renewed, err := os.ReadFile(tmp)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("read the renewed login token: %w", err)
	}
	merged, err := mergeRenewed(data, renewed)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("merge the renewed login token: %w", err)
	}
	// A new `aws login` may have replaced the cache while the call was out: it wins, and the
	// receiver of its watch event picks it up.
	if cur, err := ReadLoginToken(p.path); err == nil && cur.Fingerprint != tok.Fingerprint {
		return c, nil
	}
	if err := writeFileAtomic(tmp, p.path, merged); err != nil {
		return aws.Credentials{}, fmt.Errorf("write back the login token cache (the renewed refresh token is lost; the next renewal will need aws login): %w", err)
	}
	return c, nil
}

// mergeRenewed puts the SDK's renewed access token and refresh token into the original
// document, so fields the SDK does not know about survive.
func mergeRenewed(orig, renewed []byte) ([]byte, error) {
	var doc, upd map[string]json.RawMessage
	if err := json.Unmarshal(orig, &doc); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(renewed, &upd); err != nil {
		return nil, err
	}
	var access, updAccess map[string]json.RawMessage
	if err := json.Unmarshal(doc["accessToken"], &access); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(upd["accessToken"], &updAccess); err != nil {
		return nil, err
	}
	for k, v := range updAccess {
		access[k] = v
	}
	doc["accessToken"], _ = json.Marshal(access)
	doc["refreshToken"] = upd["refreshToken"]
	return json.MarshalIndent(doc, "", "  ")
}

// writeFileAtomic rewrites tmp with data and renames it over path, mode 0600.
func writeFileAtomic(tmp, path string, data []byte) error {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// recordingClient keeps the sign-in service's own error: logincreds turns the modelled
// AccessDeniedException into plain text, and awsrun must still tell an ended session from
// missing permissions.
type recordingClient struct {
	inner logincreds.TokenAPIClient
	err   error
}

func (r *recordingClient) CreateOAuth2Token(ctx context.Context, in *signin.CreateOAuth2TokenInput, opts ...func(*signin.Options)) (*signin.CreateOAuth2TokenOutput, error) {
	out, err := r.inner.CreateOAuth2Token(ctx, in, opts...)
	r.err = err
	return out, err
}

func (p *loginProvider) loginRequired(err error) error {
	return &LoginRequiredError{Profile: p.profile, Err: err, Login: true}
}

// classify sorts a failed renewal: an ended session needs `aws login`, anything else is
// retried by the caller.
func (p *loginProvider) classify(err, api error) error {
	if api == nil {
		return err
	}
	if loginEnded(api) {
		return p.loginRequired(api)
	}
	var ae smithy.APIError
	if errors.As(api, &ae) {
		switch ae.ErrorCode() {
		case "AccessDeniedException", "ValidationException":
			return &AccessError{Profile: p.profile, Code: ae.ErrorCode(), Err: api}
		}
	}
	return api
}

// loginEnded reports the sign-in service's answers that only a new `aws login` fixes, and the
// SDK's text for them where it drops the modelled error.
func loginEnded(err error) bool {
	var denied *signintypes.AccessDeniedException
	var grant *signintypes.InvalidGrantException
	if errors.As(err, &denied) {
		return denied.Error_ == signintypes.OAuth2ErrorCodeTokenExpired || denied.Error_ == signintypes.OAuth2ErrorCodeUserCredentialsChanged
	}
	if errors.As(err, &grant) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "login session has expired") ||
		strings.Contains(msg, "login session password has changed") ||
		strings.Contains(msg, "token file not found, please reauthenticate")
}

// loginRoot follows source_profile from p to the profile the chain starts at and returns it
// when that one is an `aws login` profile: its cache is checked before the SDK uses it.
func loginRoot(files *Files, p *Profile) *Profile {
	for range 16 { // chains are short; a cycle is the SDK's to report
		if p.Kind() == "login" {
			return p
		}
		src := p.Keys["source_profile"]
		if p.Kind() != "assume-role" || src == "" || src == p.Name {
			return nil
		}
		next, err := files.Lookup(src)
		if err != nil {
			return nil
		}
		p = next
	}
	return nil
}
