package wrapper

import "github.com/awsrun/awsrun/creds"

// checkProfileFilter refuses a --profiles list that names a profile the user's files do not
// have, before anything starts: a typo would otherwise refuse a profile the user meant to
// allow, found only later inside the child. all and none name no profile, so they cost no read.
func checkProfileFilter(cfg Config, env environ) error {
	if cfg.Profiles.Names() == nil {
		return nil
	}
	getenv := func(k string) string { return env[k] }
	files, err := creds.LoadFiles(creds.Paths(getenv))
	if err != nil {
		return err
	}
	return cfg.Profiles.Check(files)
}
