//go:build minwrap_sdk

package main

// Built with the minwrap_sdk tag, minwrap links what awsrun links and calls none of it: the AWS
// SDK's configuration (with its STS, SSO, SSO OIDC and sign-in clients), urfave/cli and
// fsnotify. Their package initialisation runs before main, as in awsrun, so this is the floor
// of any wrapper built on the packages the product fixes.
import (
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/urfave/cli/v2"
)
