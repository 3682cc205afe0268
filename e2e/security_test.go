//go:build linux

package e2e

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// endpointChild prints the endpoint's URL and token, then waits for stdin to close: the
// probe a local attacker would not have, and a child that stays up while the test attacks.
const endpointChild = `printf '%s\n%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN"; cat >/dev/null`

type liveEndpoint struct {
	p     *proc
	u     *url.URL
	token string
}

func startEndpoint(t *testing.T, w *world, args ...string) *liveEndpoint {
	t.Helper()
	argv := append(append([]string{awsrunBin}, args...), "--", "sh", "-c", endpointChild)
	p := w.startProc(argv)
	raw := p.line("the endpoint URL", 30*time.Second)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" {
		t.Fatalf("endpoint URL %q: %v", raw, err)
	}
	e := &liveEndpoint{p: p, u: u, token: p.line("the endpoint token", 10*time.Second)}
	t.Cleanup(func() {
		p.stdin.Close()
		p.wait(30 * time.Second)
	})
	return e
}

// raw sends one request exactly as written (Host and request line included) and returns the
// status and the whole answer, headers and body.
func (e *liveEndpoint) raw(t *testing.T, req string) (int, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp4", e.u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(conn) // "Connection: close" in every request: read to EOF
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err != nil {
		t.Fatalf("no HTTP answer (%v): %q", err, all)
	}
	resp.Body.Close()
	return resp.StatusCode, all
}

// TestEndpointRejectsIntruders attacks the endpoint of a running awsrun from outside, the way
// another local process or a web page (DNS rebinding) could: every request that lacks the
// exact token in the Authorization header, names another host, path or method, or is too
// big is refused, and no answer but the one legitimate request carries credential bytes.
func TestEndpointRejectsIntruders(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	e := startEndpoint(t, w, "-p", "role")
	port, path, tok := e.u.Port(), e.u.Path, e.token
	host := "127.0.0.1:" + port
	req := func(method, target, host string, headers ...string) string {
		h := ""
		for _, x := range headers {
			h += x + "\r\n"
		}
		return method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n" + h + "Connection: close\r\n\r\n"
	}
	wrong := func(n int) string { return strings.Repeat("A", n) }
	flipped := []byte(tok)
	flipped[len(flipped)-1] ^= 1
	tests := []struct {
		name   string
		req    string
		status int
	}{
		{"right token", req("GET", path, host, "Authorization: "+tok), 200},
		{"missing token", req("GET", path, host), 403},
		{"empty token", req("GET", path, host, "Authorization: "), 403},
		{"wrong token same length", req("GET", path, host, "Authorization: "+wrong(len(tok))), 403},
		{"token off by one bit", req("GET", path, host, "Authorization: "+string(flipped)), 403},
		{"wrong token shorter", req("GET", path, host, "Authorization: "+tok[:len(tok)-1]), 403},
		{"wrong token longer", req("GET", path, host, "Authorization: "+tok+"A"), 403},
		{"token as bearer", req("GET", path, host, "Authorization: Bearer "+tok), 403},
		{"token twice", req("GET", path, host, "Authorization: "+tok, "Authorization: "+tok), 403},
		{"token in query string", req("GET", path+"?token="+url.QueryEscape(tok)+"&Authorization="+url.QueryEscape(tok), host), 403},
		{"token in another header", req("GET", path, host, "X-Aws-Ec2-Metadata-Token: "+tok), 403},
		{"dns rebinding host", req("GET", path, "attacker.example:"+port, "Authorization: "+tok), 403},
		{"dns rebinding host without port", req("GET", path, "attacker.example", "Authorization: "+tok), 403},
		{"loopback name with wrong port", req("GET", path, "127.0.0.1:1", "Authorization: "+tok), 403},
		{"other loopback address", req("GET", path, "127.0.0.2:"+port, "Authorization: "+tok), 403},
		{"absolute URI naming another host", req("GET", "http://attacker.example"+path, host, "Authorization: "+tok), 400},
		{"absolute URI naming the endpoint", req("GET", "http://"+host+path, "attacker.example", "Authorization: "+tok), 400},
		{"root path", req("GET", "/", host, "Authorization: "+tok), 404},
		{"path with trailing slash", req("GET", path+"/", host, "Authorization: "+tok), 404},
		{"path prefix", req("GET", path[:len(path)-1], host, "Authorization: "+tok), 404},
		{"ecs relative path", req("GET", "/v2/credentials", host, "Authorization: "+tok), 404},
		{"imds path", req("GET", "/latest/meta-data/iam/security-credentials/", host, "Authorization: "+tok), 404},
		{"dot segments", req("GET", path+"/../"+path[1:], host, "Authorization: "+tok), 404},
		{"post", req("POST", path, host, "Authorization: "+tok, "Content-Length: 0"), 405},
		{"put", req("PUT", path, host, "Authorization: "+tok, "Content-Length: 0"), 405},
		{"delete", req("DELETE", path, host, "Authorization: "+tok), 405},
		{"options", req("OPTIONS", path, host, "Authorization: "+tok), 405},
		{"trace", req("TRACE", path, host, "Authorization: "+tok), 405},
		{"options star", req("OPTIONS", "*", host, "Authorization: "+tok), 400},
		{"oversized header", req("GET", path, host, "Authorization: "+tok, "X-Pad: "+strings.Repeat("p", 64<<10)), 431},
		{"oversized token", req("GET", path, host, "Authorization: "+tok+strings.Repeat("A", 16<<10)), 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, answer := e.raw(t, tt.req)
			if status != tt.status {
				t.Fatalf("status %d, want %d:\n%s", status, tt.status, answer)
			}
			if tt.status == 200 {
				if !bytes.Contains(answer, []byte(w.fake.Issued()[0].SecretAccessKey)) {
					t.Fatalf("the legitimate request got no credentials:\n%s", answer)
				}
				return
			}
			if leak := secretIn(w, answer); leak != "" {
				t.Fatalf("a %d answer carries %s:\n%s", status, leak, answer)
			}
			if bytes.Contains(answer, []byte(tok)) && !strings.Contains(tt.req, "?token=") {
				t.Fatalf("a %d answer echoes the token:\n%s", status, answer)
			}
		})
	}
}

// secretIn names the first issued credential string, or the endpoint token, found in b.
func secretIn(w *world, b []byte) string {
	for _, c := range w.fake.Issued() {
		for _, s := range []string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken} {
			if bytes.Contains(b, []byte(s)) {
				return fmt.Sprintf("credential material of %s", c.AccessKeyID[:4])
			}
		}
	}
	if bytes.Contains(b, []byte(userSecret)) {
		return "the user's secret key"
	}
	if bytes.Contains(b, []byte(ssoToken)) {
		return "the SSO access token"
	}
	return ""
}

// TestEndpointSlowClients holds connections open the slow-loris way (a request line and then
// nothing; headers dripped a byte at a time): the endpoint must cut each of them off by its
// header timeout, answer nothing with credentials, and keep serving a real client meanwhile.
func TestEndpointSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	e := startEndpoint(t, w, "-p", "role")
	start := "GET " + e.u.Path + " HTTP/1.1\r\nHost: " + e.u.Host + "\r\n"

	const idle = 40
	var wg sync.WaitGroup
	results := make(chan string, idle+1)
	for i := range idle + 1 {
		wg.Go(func() {
			conn, err := net.DialTimeout("tcp4", e.u.Host, 5*time.Second)
			if err != nil {
				results <- "dial: " + err.Error()
				return
			}
			defer conn.Close()
			// Bounded: a server without timeouts would leave us here until the deadline.
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			if i == idle {
				results <- drip(conn, start+"Authorization: "+e.token+"\r\nX-Slow: "+strings.Repeat("s", 200))
				return
			}
			if _, err := io.WriteString(conn, start); err != nil {
				results <- "write: " + err.Error()
				return
			}
			answer, err := io.ReadAll(conn)
			results <- closedBy(answer, err)
		})
	}

	// While they hang on, a real client is still served.
	resp := getWithToken(t, e)
	if resp != 200 {
		t.Errorf("a real client got %d while slow clients held connections", resp)
	}
	wg.Wait()
	close(results)
	for r := range results {
		if r != "closed by server" {
			t.Errorf("slow client: %s", r)
		}
	}
}

// drip writes the request a byte at a time, a fifth of a second apart, and reports whether the
// server cut the connection before the headers were complete.
func drip(conn net.Conn, req string) string {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(req); i++ {
		if _, err := conn.Write([]byte{req[i]}); err != nil {
			return closedBy(nil, err)
		}
		<-tick.C
		// A cut is seen on read sooner than on write: poll for it without blocking long.
		conn.SetReadDeadline(time.Now().Add(time.Millisecond))
		var one [512]byte
		n, err := conn.Read(one[:])
		if n > 0 || (err != nil && !isTimeout(err)) {
			return closedBy(one[:n], err)
		}
	}
	return "the server read the whole dripped request without cutting it off"
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// closedBy interprets how a slow connection ended: the server may send a 408 before closing,
// never credentials.
func closedBy(answer []byte, err error) string {
	if err != nil && isTimeout(err) {
		return "still open at the test's deadline: no header timeout"
	}
	if len(answer) > 0 && !bytes.HasPrefix(answer, []byte("HTTP/1.1 408")) && !bytes.HasPrefix(answer, []byte("HTTP/1.1 400")) {
		return fmt.Sprintf("unexpected answer %q", answer)
	}
	return "closed by server"
}

func getWithToken(t *testing.T, e *liveEndpoint) int {
	t.Helper()
	r, _ := http.NewRequest(http.MethodGet, e.u.String(), nil)
	r.Header.Set("Authorization", e.token)
	c := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	resp, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestEndpointBindsLoopbackOnly reads the kernel's socket tables for awsrun's own sockets:
// it listens on exactly one TCP port, on 127.0.0.1, and on nothing IPv6 or UDP.
func TestEndpointBindsLoopbackOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	e := startEndpoint(t, w, "-p", "role")
	inodes := socketInodes(t, e.p.cmd.Process.Pid)
	var listening []string
	for _, table := range []string{"tcp", "tcp6", "udp", "udp6"} {
		data, err := os.ReadFile("/proc/net/" + table)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || !inodes[f[9]] {
				continue
			}
			// State 0A is LISTEN; UDP sockets are unconnected when their remote is zero.
			if table[:3] == "udp" || f[3] == "0A" {
				listening = append(listening, table+" "+localAddr(f[1]))
			}
		}
	}
	want := "tcp 127.0.0.1:" + e.u.Port()
	if len(listening) != 1 || listening[0] != want {
		t.Fatalf("awsrun listens on %q, want only %q", listening, want)
	}
}

// socketInodes is the set of socket inodes open in pid.
func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if inode, ok := strings.CutPrefix(target, "socket:["); err == nil && ok {
			out[strings.TrimSuffix(inode, "]")] = true
		}
	}
	return out
}

// localAddr decodes /proc/net/tcp's "0100007F:1F90" (little-endian IPv4) for reading.
func localAddr(s string) string {
	ip, port, _ := strings.Cut(s, ":")
	b, _ := hex.DecodeString(ip)
	var p int
	fmt.Sscanf(port, "%X", &p)
	if len(b) == 4 {
		return fmt.Sprintf("%d.%d.%d.%d:%d", b[3], b[2], b[1], b[0], p)
	}
	return "[" + ip + "]:" + fmt.Sprint(p)
}

// TestTokenComparedInConstantTime is a source check, since timing cannot be measured reliably
// in a test: the endpoint compares the token only through crypto/subtle, never with == or !=
// or a strings/bytes function that returns early.
func TestTokenComparedInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	files, _ := filepath.Glob("../endpoint/*.go")
	usesSubtle := false
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if (n.Op == token.EQL || n.Op == token.NEQ) && (mentionsToken(n.X) || mentionsToken(n.Y)) {
					t.Errorf("%s: token compared with %s", fset.Position(n.Pos()), n.Op)
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				pkg, _ := sel.X.(*ast.Ident)
				if pkg == nil {
					return true
				}
				anyToken := false
				for _, a := range n.Args {
					anyToken = anyToken || mentionsToken(a)
				}
				switch {
				case pkg.Name == "subtle" && sel.Sel.Name == "ConstantTimeCompare" && anyToken:
					usesSubtle = true
				case (pkg.Name == "strings" || pkg.Name == "bytes") && anyToken &&
					(sel.Sel.Name == "EqualFold" || sel.Sel.Name == "Equal" || sel.Sel.Name == "Compare" || strings.HasPrefix(sel.Sel.Name, "Has")):
					t.Errorf("%s: token compared with %s.%s", fset.Position(n.Pos()), pkg.Name, sel.Sel.Name)
				}
			}
			return true
		})
	}
	if !usesSubtle {
		t.Error("no subtle.ConstantTimeCompare on the token found in endpoint/")
	}
}

// mentionsToken reports an expression that reads the server's token field (s.token) itself,
// not through a call: subtle.ConstantTimeCompare(..., s.token) == 1 compares an int.
func mentionsToken(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if _, call := n.(*ast.CallExpr); call && n != ast.Node(e) {
			return false
		}
		if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "token" {
			found = true
		}
		return !found
	})
	return found
}
