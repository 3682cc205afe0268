package fakeaws

import (
	"encoding/json"
	"net/http"
)

// sendJSON answers a REST-JSON operation (SSO portal, OIDC).
func (x *exchange) sendJSON(v any) {
	body, err := json.Marshal(v)
	if err != nil {
		x.sendJSONError(&apiError{status: http.StatusInternalServerError, code: "InternalServerException", message: err.Error()})
		return
	}
	x.send(http.StatusOK, "application/json", body)
}

// sendJSONError renders an error the way REST-JSON services do: the code in
// x-amzn-ErrorType (with the service URI suffix AWS appends, which SDKs
// strip), and either {"message"} or, for OIDC, the OAuth {"error",
// "error_description"} body the modelled exceptions carry.
func (x *exchange) sendJSONError(e *apiError) {
	var body []byte
	if e.oauth != "" {
		body, _ = json.Marshal(struct {
			Error       string `json:"error"`
			Description string `json:"error_description,omitempty"`
		}{e.oauth, e.description})
	} else {
		body, _ = json.Marshal(struct {
			Message string `json:"message"`
		}{e.message})
	}
	x.rec.Code = e.code
	x.w.Header().Set("X-Amzn-Errortype", e.code+":http://internal.amazon.com/coral/com.amazonaws.fakeaws/")
	x.send(e.status, "application/json", body)
}
