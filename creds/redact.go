package creds

// Redact shows enough of an access key id to tell two apart in a log, and nothing of its secret
// parts: "ASIA...WXYZ".
func Redact(accessKeyID string) string {
	if len(accessKeyID) < 12 {
		return "****"
	}
	return accessKeyID[:4] + "..." + accessKeyID[len(accessKeyID)-4:]
}
