package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/doctor"
	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

const doctorDescription = `Checks everything behind "The security token included in the request is expired", one line
each with ok, warn or fail and the exact fix: AWS_* variables that shadow the profile, which
profile and credential source apply and why, the config files, SSO settings and token,
whether credentials resolve and STS accepts them, the clock against AWS's, expired entries in
~/.aws/cli/cache (--fix removes only those), session lengths, the region, and Claude Code's
settings. Exits 0 when nothing fails, 1 otherwise.`

func doctorCommand(environ []string, stdin, stdout, stderr *os.File) *cli.Command {
	return &cli.Command{
		Name:        "doctor",
		Usage:       "check the AWS setup and say how to fix what is wrong",
		UsageText:   "awsrun doctor [--profile P] [--json] [--fix]",
		Description: doctorDescription,
		Flags: append(profileFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
			&cli.BoolFlag{Name: "fix", Usage: "remove expired entries from ~/.aws/cli/cache"}),
		OnUsageError: subcommandUsage,
		Action: func(c *cli.Context) error {
			if afterDashDash(c) {
				return runAsChild(c)
			}
			if err := noArgs(c); err != nil {
				return err
			}
			cfg, from, closer, err := commandInput(c, environ, stdin, stderr)
			if err != nil {
				return err
			}
			defer closer.Close()
			regionFlag, _ := inherited(c, "region")
			wd, _ := os.Getwd()
			rep := doctor.Run(context.Background(), doctor.Options{
				Env:             environ,
				Profile:         cfg.Profile,
				ProfileFrom:     from,
				ProfileExplicit: cfg.ProfileExplicit,
				Region:          regionFlag,
				Duration:        cfg.Duration,
				Fix:             c.Bool("fix"),
				Workdir:         wd,
				Resolve: func(ctx context.Context) (aws.Credentials, string, error) {
					// Upstream, not a running supervisor: doctor tests the path a new awsrun would
					// take. Inside awsrun there is no other path than the parent.
					resolve := wrapper.ResolveUpstream
					if envLookup(environ)("AWSRUN") == "1" {
						resolve = wrapper.Resolve
					}
					r, err := resolve(ctx, cfg)
					return r.Credentials, r.Region, err
				},
			})
			if c.Bool("json") {
				err = rep.WriteJSON(stdout)
			} else {
				err = rep.WriteText(stdout)
			}
			if err != nil {
				return err
			}
			if rep.Failed() {
				checks := "checks"
				if rep.Failures == 1 {
					checks = "check"
				}
				return &codedError{code: exitDoctorFailed, msg: fmt.Sprintf("doctor found %d failing %s; each says how to fix it", rep.Failures, checks)}
			}
			return nil
		},
	}
}
