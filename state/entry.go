package state

import "time"

// Entry describes one running supervisor. It never holds secrets: the key id is redacted by
// the writer, and credentials travel only over the socket.
type Entry struct {
	ID      string    `json:"id"`
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// Command is the child's argv as awsrun started it.
	Command []string `json:"command"`
	Profile string   `json:"profile"`
	// Mode is the injection mode: "endpoint" or "env".
	Mode   string `json:"mode"`
	Region string `json:"region,omitempty"`
	// ConfigFile, CredentialsFile and NoSession say which "profile" this is exactly, so export
	// only borrows credentials from a supervisor that resolves the same thing it would.
	ConfigFile      string `json:"config_file,omitempty"`
	CredentialsFile string `json:"credentials_file,omitempty"`
	NoSession       bool   `json:"no_session,omitempty"`

	// KeyID is the redacted access key id being served ("ASIA...WXYZ").
	KeyID string `json:"key_id,omitempty"`
	// Source is the SDK provider that produced the credentials (e.g. "SSOProvider").
	Source string `json:"source,omitempty"`
	// Expires is the true expiry of the credentials being served; zero when they never expire.
	Expires time.Time `json:"expires,omitzero"`
	// SSOTokenExpires is when the cached SSO access token ends; SSORefreshable says the SDK can
	// renew it; SSOSessionEnds is the latest the session can last (zero when only IAM Identity
	// Center knows).
	SSOTokenExpires time.Time `json:"sso_token_expires,omitzero"`
	SSORefreshable  bool      `json:"sso_refreshable,omitempty"`
	SSOSessionEnds  time.Time `json:"sso_session_ends,omitzero"`
	// LastRefresh is when credentials were last fetched from upstream.
	LastRefresh time.Time `json:"last_refresh,omitzero"`
	// LastError is the failure of the most recent upstream attempt; empty once one succeeds.
	LastError string `json:"last_error,omitempty"`
	// Restarts counts env-mode restarts of the child.
	Restarts int `json:"restarts"`
	// Socket is the unix socket serving credentials and live status; empty when none.
	Socket string `json:"socket,omitempty"`
	// Live says this entry came from the supervisor itself over its socket, not from its file.
	Live bool `json:"live"`
}
