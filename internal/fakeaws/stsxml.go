package fakeaws

import (
	"encoding/xml"
	"net/http"
	"time"
)

const (
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	// stsTimeFormat is how STS writes Expiration; clients compare the parsed
	// value, so it must be whole seconds in UTC.
	stsTimeFormat = "2006-01-02T15:04:05Z"
)

// stsResponse is the awsQuery envelope <XResponse><XResult/>
// <ResponseMetadata/></XResponse>; SDKs locate the result by element name.
type stsResponse struct {
	XMLName  xml.Name
	Result   any
	Metadata struct {
		RequestID string `xml:"RequestId"`
	} `xml:"ResponseMetadata"`
}

type callerIdentityResult struct {
	XMLName xml.Name `xml:"GetCallerIdentityResult"`
	Arn     string   `xml:"Arn"`
	UserID  string   `xml:"UserId"`
	Account string   `xml:"Account"`
}

type credentialsXML struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumeRoleResult struct {
	XMLName         xml.Name       `xml:"AssumeRoleResult"`
	Credentials     credentialsXML `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
}

type sessionTokenResult struct {
	XMLName     xml.Name       `xml:"GetSessionTokenResult"`
	Credentials credentialsXML `xml:"Credentials"`
}

type stsErrorResponse struct {
	XMLName xml.Name
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func toCredentialsXML(c Credential) credentialsXML {
	return credentialsXML{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Expiration:      formatExpiration(c.Expiration),
	}
}

func (x *exchange) sendSTS(action string, result any) {
	var env stsResponse
	env.XMLName = xml.Name{Space: stsNamespace, Local: action + "Response"}
	env.Result = result
	env.Metadata.RequestID = x.requestID
	body, err := xml.Marshal(env)
	if err != nil {
		// Only reachable through a programming error in the shapes above.
		x.sendSTSError(stsErr(http.StatusInternalServerError, "InternalFailure", "fakeaws: "+err.Error()))
		return
	}
	x.send(http.StatusOK, "text/xml", body)
}

func (x *exchange) sendSTSError(e *apiError) {
	var resp stsErrorResponse
	resp.XMLName = xml.Name{Space: stsNamespace, Local: "ErrorResponse"}
	resp.Error.Type = "Sender"
	if e.status >= 500 {
		resp.Error.Type = "Receiver"
	}
	resp.Error.Code, resp.Error.Message = e.code, e.message
	resp.RequestID = x.requestID
	body, _ := xml.Marshal(resp) // plain strings: cannot fail
	x.rec.Code = e.code
	x.send(e.status, "text/xml", body)
}

// formatExpiration renders a time the way STS does on the wire.
func formatExpiration(t time.Time) string { return t.UTC().Format(stsTimeFormat) }
