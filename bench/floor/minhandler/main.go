// Command minhandler is the endpoint floor for awsrun: net/http on 127.0.0.1:0 serving fixed
// container-credentials JSON behind a constant-time token check. It writes its URL and token,
// one a line, to the file named by its first argument (or stdout), then serves until killed.
package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	raw := make([]byte, 30)
	rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	body := []byte(fmt.Sprintf(`{"AccessKeyId":"ASIAFLOORFLOORFLOOR1","SecretAccessKey":"floor-secret-0000000000000000000000000001","Token":"%s","Expiration":"%s"}`,
		base64.StdEncoding.EncodeToString(make([]byte, 300)), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "minhandler:", err)
		os.Exit(1)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(token)) != 1 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"message":"bad token"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	out := fmt.Sprintf("http://%s/\n%s\n", ln.Addr(), token)
	if len(os.Args) > 1 {
		tmp := os.Args[1] + ".tmp"
		if err := os.WriteFile(tmp, []byte(out), 0o600); err == nil {
			os.Rename(tmp, os.Args[1])
		}
	} else {
		os.Stdout.WriteString(out)
	}
	http.Serve(ln, h)
}
