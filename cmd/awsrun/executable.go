package main

import (
	"os"
	"path/filepath"
)

// executable is the path the child's config runs awsrun by (credential_process): the one the
// user ran when it is absolute (a symlink such as ~/.local/bin/awsrun keeps working across an
// upgrade that replaces its target), else the running binary's. "" when neither is known; the
// child then gets the chosen profile only.
func executable() string {
	if filepath.IsAbs(os.Args[0]) {
		return os.Args[0]
	}
	p, err := os.Executable()
	if err != nil || !filepath.IsAbs(p) {
		return ""
	}
	return p
}
