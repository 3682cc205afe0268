package wrapper

import (
	"runtime"
	"strings"

	"github.com/awsrun/awsrun/creds"
)

// worldConfig renders the child's private config in endpoint mode: [default] for the chosen
// profile, and every other profile of the user's files as a credential_process that asks this
// awsrun (its socket) for it, or fails naming --profiles when the filter refuses it. Windows
// keeps [default] alone: the credential_process quoting is POSIX only. Called with s.mu held.
func (s *session) worldConfig(p *creds.Profile, region string) ([]byte, error) {
	if runtime.GOOS == "windows" || s.cfg.Executable == "" || p.Files() == nil {
		return p.ChildConfig(region)
	}
	w, err := p.Files().ChildWorldConfig(creds.WorldOptions{
		Chosen: p, Region: region, Executable: s.cfg.Executable, Filter: s.cfg.Profiles,
	})
	if err != nil {
		return nil, err
	}
	s.warnLeftOut(w)
	return w.Data, nil
}

// warnLeftOut says which profiles the child cannot use, once, and again only when that changes
// after an edit of the files.
func (s *session) warnLeftOut(w *creds.WorldConfig) {
	var b strings.Builder
	for _, sp := range w.Skipped {
		b.WriteString("skipped " + sp.String() + "\n")
	}
	for _, sp := range w.Unusable {
		b.WriteString("unusable " + sp.String() + "\n")
	}
	if b.String() == s.child.warned {
		return
	}
	s.child.warned = b.String()
	for _, sp := range w.Skipped {
		if sp.Name == "default" {
			// Expected whenever the user has a default: inside, [default] is the chosen profile.
			s.log.Debug("the command's default profile is the one awsrun serves", "chosen", s.cfg.Profile)
			continue
		}
		s.warnLocked("the command cannot use this profile", "profile", sp.Name, "reason", sp.Reason)
	}
	for _, sp := range w.Unusable {
		s.warnLocked("the command gets a failing section for this profile", "profile", sp.Name, "reason", sp.Reason)
	}
}
