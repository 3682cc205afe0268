package fakeaws

import "net/http"

// apiError is an answer AWS would give instead of a result; each protocol
// renders it in its own wire shape (XML for STS, JSON for SSO and OIDC).
type apiError struct {
	status  int
	code    string
	message string
	// description is the OAuth-style error_description OIDC sends next to an
	// "error" field; the code maps to the modelled exception via a header.
	oauth       string
	description string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func stsErr(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

var (
	errInvalidClientTokenID = stsErr(http.StatusForbidden, "InvalidClientTokenId",
		"The security token included in the request is invalid.")
	// STS answers an expired session token with 403 (the Java SDK issue
	// aws/aws-sdk-java-v2#1649 shows "Status Code: 403" from the live
	// service); clients key on the code, not the status.
	errExpiredToken = stsErr(http.StatusForbidden, "ExpiredToken",
		"The security token included in the request is expired")
	errSignatureDoesNotMatch = stsErr(http.StatusForbidden, "SignatureDoesNotMatch",
		"The request signature we calculated does not match the signature you provided. "+
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	errMissingAuthentication = stsErr(http.StatusForbidden, "MissingAuthenticationToken",
		"Request is missing Authentication Token")
)
