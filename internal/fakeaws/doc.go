// Package fakeaws is a fake STS, SSO portal, SSO OIDC and sign-in service (the
// token endpoint behind `aws login`) on one loopback HTTP server, for tests and
// the demo.
//
// It exists so awsrun and the children it runs (aws-sdk-go-v2, botocore, the
// JavaScript SDK) can be exercised end to end without AWS: it speaks the real
// wire formats (awsQuery XML for STS, REST-JSON for the SSO portal and OIDC),
// verifies SigV4 signatures with the caller's secret, and answers with the
// same error codes AWS uses, so a client that passes here has signed with the
// right credential and reacts to expiry the way it would against AWS.
//
// Point clients at it with AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO and
// AWS_ENDPOINT_URL_SSO_OIDC (and AWS_ENDPOINT_URL_SIGNIN for `aws login`
// profiles) all set to [Server.URL], or with BaseEndpoint in aws-sdk-go-v2
// client options.
package fakeaws
