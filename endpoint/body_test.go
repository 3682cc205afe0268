package endpoint

import "testing"

// The refusals are literals (see body.go); they must stay what errorBody encodes, which is the
// shape the SDKs decode an error from.
func TestFixedErrorBodies(t *testing.T) {
	for _, c := range []struct {
		got           []byte
		code, message string
	}{
		{tokenDenied, "AccessDenied", "missing or wrong authorization token"},
		{hostDenied, "AccessDenied", "host must be 127.0.0.1 or localhost"},
		{pathUnknown, "NotFound", "no credentials at this path"},
		{methodDenied, "MethodNotAllowed", "only GET and HEAD are allowed"},
		{formDenied, "BadRequest", "the request target must be a path"},
	} {
		if want := errorBody(c.code, c.message); string(c.got) != string(want) {
			t.Errorf("%s body:\n got %s\nwant %s", c.code, c.got, want)
		}
	}
}
