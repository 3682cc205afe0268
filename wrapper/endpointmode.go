package wrapper

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/endpoint"
	"github.com/awsrun/awsrun/internal/shellquote"
)

// serveEndpoint writes the child's private config and starts the credential endpoint that
// serves the lifecycle's credentials, on what prep opened; it returns the child's environment
// and what undoes it all, prep's part included.
func (s *session) serveEndpoint(ctx context.Context, prep *Prepared) (childEnv []string, closeAll func(), err error) {
	cfg, log := s.cfg, s.log
	if err := prep.wait(); err != nil {
		var ie *InternalError
		if errors.As(err, &ie) {
			ie.log(log) // the set-up may have run before there was a logger
		}
		return nil, nil, err
	}
	dir, credsPath := prep.dir, prep.credsPath
	// prep.undo runs last: by then the endpoint and the socket server have closed what they
	// took over, and closing a listener again or removing a removed directory is harmless.
	undo := []func(){prep.undo}
	closeAll = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			closeAll()
		}
	}()
	if s.child.data, err = s.renderChildConfig(); err != nil {
		return nil, nil, err
	}
	configPath, err := dir.create("config", s.child.data)
	if err != nil {
		return nil, nil, &SetupError{Dir: dir.path, Err: err}
	}
	s.child.write = func(b []byte) error { _, err := dir.write("config", b); return err }
	socket, closeSocket := s.serveChildSocket(ctx, dir.path, prep.sock, prep.sockErr) // profiles.go: the child's other profiles
	undo = append(undo, closeSocket)
	region := s.region()
	if region == "" {
		s.warn("profile sets no region; the command gets no AWS_REGION", "profile", cfg.Profile,
			"fix", "awsrun --region REGION, or: aws configure set region REGION --profile "+shellquote.Quote(cfg.Profile))
	}
	ep, err := endpoint.New(endpoint.Options{
		Provider: s.lc,
		Hint:     withEndedSession(hintFor(cfg.Profile), s.lc.lastError),
		Logger:   log.With("component", "endpoint"),
		Listener: prep.ln,
	})
	if err != nil {
		return nil, nil, &SetupError{Err: err}
	}
	if err := ep.Start(); err != nil {
		return nil, nil, &SetupError{Err: fmt.Errorf("start credential endpoint: %w", err)}
	}
	undo = append(undo, func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_ = ep.Close(cctx)
		st := ep.Stats()
		log.Info("credential endpoint closed", "served", st.Served, "unauthorized", st.Unauthorized,
			"unavailable", st.Unavailable, "not_found", st.NotFound)
	})
	log.Debug("credential endpoint listening", "url", ep.URL())
	return buildChildEnv(childEnvInput{
		base:            cfg.Env,
		endpointEnv:     ep.Env(),
		configFile:      configPath,
		credentialsFile: credsPath,
		region:          region,
		profile:         cfg.Profile,
		socket:          socket,
	}), closeAll, nil
}

// hintFor turns an upstream failure into the message the child's SDK shows its user.
func hintFor(profile string) func(error) string {
	return func(err error) string {
		var login *creds.LoginRequiredError
		if errors.As(err, &login) {
			if login.Login {
				// Quoted here: the hint is pasted into a shell, whatever the profile is called.
				return fmt.Sprintf("awsrun: the aws login session for profile %q has ended; run: %s", profile,
					shellquote.Join("aws", "login", "--profile", login.Profile))
			}
			return fmt.Sprintf("awsrun: the SSO session for profile %q has ended; run: %s", profile, login.Hint())
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return "awsrun: AWS did not answer in time while refreshing credentials; it keeps retrying"
		}
		return fmt.Sprintf("awsrun: could not refresh credentials for profile %q; see awsrun's log (--log-file)", profile)
	}
}

// withEndedSession makes hint name the ended session, and the command that starts a new one,
// when credentials are refused for having run out (their last second, served by none) while the
// last renewal said the session has ended: that is the cause the user can fix.
func withEndedSession(hint func(error) string, last func() error) func(error) string {
	return func(err error) string {
		if errors.Is(err, endpoint.ErrExpired) || errors.Is(err, errExpiredUpstream) {
			if l := last(); isLoginRequired(l) {
				err = l
			}
		}
		return hint(err)
	}
}
