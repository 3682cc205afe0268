package fakeaws

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"
)

const (
	stsVersion = "2011-06-15"
	maxBody    = 1 << 20
)

var (
	// Role paths may nest; the ARN of a session drops the path, as AWS does.
	roleARNPattern     = regexp.MustCompile(`^arn:(aws[a-z-]*):iam::(\d{12}):role/(?:[!-~]*/)?([\w+=,.@-]{1,64})$`)
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	tokenCodePattern   = regexp.MustCompile(`^\d{6}$`)
)

func validationError(msg string) *apiError {
	return stsErr(http.StatusBadRequest, "ValidationError", msg)
}

func (s *Server) serveSTS(x *exchange, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(x.w, r.Body, maxBody))
	if err != nil {
		x.sendSTSError(stsErr(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body too large or unreadable"))
		return
	}
	params := r.URL.Query()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			x.sendSTSError(stsErr(http.StatusBadRequest, "MalformedQueryString", "Malformed form body"))
			return
		}
		for k, v := range form {
			params[k] = append(params[k], v...)
		}
	}
	action := params.Get("Action")
	x.rec.Op = action

	c, aerr := s.authenticate(x, r, body, "sts")
	if aerr != nil {
		x.sendSTSError(aerr)
		return
	}
	if v := params.Get("Version"); v != stsVersion {
		x.sendSTSError(stsErr(http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, v)))
		return
	}
	switch action {
	case "GetCallerIdentity":
		x.sendSTS(action, callerIdentityResult{Arn: c.who.arn, UserID: c.who.userID, Account: c.who.account})
	case "AssumeRole":
		s.assumeRole(x, params, c)
	case "GetSessionToken":
		s.getSessionToken(x, params, c)
	default:
		x.sendSTSError(stsErr(http.StatusBadRequest, "InvalidAction",
			fmt.Sprintf("Could not find operation %s for version %s", action, stsVersion)))
	}
}

// authenticate makes AWS's SigV4 checks in AWS's order for a request to
// service ("sts", "bedrock"): the key and its session token first (so an
// expired credential reads ExpiredToken even when the clock is also off),
// then the time window, then the signature itself. Errors carry STS's codes;
// other protocols translate them.
func (s *Server) authenticate(x *exchange, r *http.Request, body []byte, service string) (caller, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return caller{}, errMissingAuthentication
	}
	a, aerr := parseAuthorization(h)
	if aerr != nil {
		return caller{}, aerr
	}
	x.rec.AccessKeyID, x.rec.Region = a.keyID, a.region
	secret, c, aerr := s.lookupKey(a.keyID, r.Header.Get("X-Amz-Security-Token"), x.now())
	if aerr != nil {
		return caller{}, aerr
	}
	signedAt, amzDate, aerr := requestTime(r)
	if aerr != nil {
		return caller{}, aerr
	}
	if aerr := checkWindow(signedAt, x.now()); aerr != nil {
		return caller{}, aerr
	}
	if aerr := checkScope(a, amzDate, service); aerr != nil {
		return caller{}, aerr
	}
	if !signatureMatches(r, body, a, amzDate, secret) {
		return caller{}, errSignatureDoesNotMatch
	}
	return c, nil
}

func (s *Server) assumeRole(x *exchange, params url.Values, c caller) {
	roleARN := params.Get("RoleArn")
	m := roleARNPattern.FindStringSubmatch(roleARN)
	if m == nil {
		x.sendSTSError(validationError(fmt.Sprintf("%q is not a valid role ARN", roleARN)))
		return
	}
	partition, account, roleName := m[1], m[2], m[3]
	session := params.Get("RoleSessionName")
	if !sessionNamePattern.MatchString(session) {
		x.sendSTSError(validationError(fmt.Sprintf("1 validation error detected: Value '%s' at 'roleSessionName' "+
			"failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}", session)))
		return
	}
	requested, aerr := durationParam(params, 900, 43200)
	if aerr != nil {
		x.sendSTSError(aerr)
		return
	}
	if c.who.roleSession && requested > time.Hour {
		x.sendSTSError(validationError("The requested DurationSeconds exceeds the 1 hour session limit " +
			"for roles assumed by role chaining."))
		return
	}
	serial, code, aerr := mfaParams(params)
	if aerr != nil {
		x.sendSTSError(aerr)
		return
	}
	roleID := stableID("AROA", roleARN)
	who := principal{
		account:     account,
		arn:         "arn:" + partition + ":sts::" + account + ":assumed-role/" + roleName + "/" + session,
		userID:      roleID + ":" + session,
		roleSession: true,
	}
	cred := s.issue(x.now(), who, Credential{
		Op: "AssumeRole", CallerKeyID: c.keyID, RequestedDuration: requested,
		SerialNumber: serial, TokenCode: code,
	})
	res := assumeRoleResult{Credentials: toCredentialsXML(cred)}
	res.AssumedRoleUser.AssumedRoleID = who.userID
	res.AssumedRoleUser.Arn = who.arn
	x.sendSTS("AssumeRole", res)
}

func (s *Server) getSessionToken(x *exchange, params url.Values, c caller) {
	if !c.longTerm {
		x.sendSTSError(stsErr(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials"))
		return
	}
	requested, aerr := durationParam(params, 900, 129600)
	if aerr != nil {
		x.sendSTSError(aerr)
		return
	}
	serial, code, aerr := mfaParams(params)
	if aerr != nil {
		x.sendSTSError(aerr)
		return
	}
	cred := s.issue(x.now(), c.who, Credential{
		Op: "GetSessionToken", CallerKeyID: c.keyID, RequestedDuration: requested,
		SerialNumber: serial, TokenCode: code,
	})
	x.sendSTS("GetSessionToken", sessionTokenResult{Credentials: toCredentialsXML(cred)})
}

// durationParam validates DurationSeconds against the operation's range so a
// client asking for something AWS would refuse fails here as well.
func durationParam(params url.Values, lo, hi int) (time.Duration, *apiError) {
	v := params.Get("DurationSeconds")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, validationError(fmt.Sprintf("1 validation error detected: Value '%s' at 'durationSeconds' "+
			"failed to satisfy constraint: Member must be an integer", v))
	}
	if n < lo {
		return 0, validationError(fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' "+
			"failed to satisfy constraint: Member must have value greater than or equal to %d", n, lo))
	}
	if n > hi {
		return 0, validationError(fmt.Sprintf("1 validation error detected: Value '%d' at 'durationSeconds' "+
			"failed to satisfy constraint: Member must have value less than or equal to %d", n, hi))
	}
	return time.Duration(n) * time.Second, nil
}

// mfaParams accepts any six-digit code with a serial number: there is no
// device to check against, but a missing or malformed code must still fail.
func mfaParams(params url.Values) (serial, code string, _ *apiError) {
	serial, code = params.Get("SerialNumber"), params.Get("TokenCode")
	if serial == "" {
		return "", "", nil
	}
	if !tokenCodePattern.MatchString(code) {
		return "", "", stsErr(http.StatusForbidden, "AccessDenied",
			"MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	}
	return serial, code, nil
}
