package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at build time: -ldflags "-X main.version=$(git describe ...)".
var (
	version = "dev"
	commit  = "" // -X main.commit=..., for builds without VCS stamping
)

// versionString reports version, commit and Go version; the commit comes from the build info
// that `go build` and `go install` embed, so it is right even without ldflags.
func versionString() string {
	commit, modified := commit, ""
	if commit == "" {
		commit = "unknown"
	}
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
				if len(commit) > 12 {
					commit = commit[:12]
				}
			case "vcs.modified":
				if s.Value == "true" {
					modified = "-dirty"
				}
			}
		}
	}
	return fmt.Sprintf("awsrun %s (commit %s%s, %s, %s/%s)", v, commit, modified, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
