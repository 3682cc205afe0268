//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Issue 14: inside `awsrun -p sso`, real clients (the AWS CLI v1 and v2, boto3, the AWS SDK
// for JavaScript v3) run as grandchildren with --profile role (or AWS_PROFILE=role) and act as
// role, never as sso, across rotations of both profiles' credentials: the child's config runs
// awsrun export as role's credential_process, and the parent serves it over its socket.

// profileClientsScript runs each client once per round with profile $P until $STOP_FILE exists,
// printing "ok CLIENT ARN" or "FAIL CLIENT ...".
const profileClientsScript = `
i=0
while [ ! -e "$STOP_FILE" ] && [ $i -lt ${ROUNDS:-400} ]; do
  i=$((i+1))
  for c in v1 v2 boto3 js; do
    case $c in
      v1) out=$(aws sts get-caller-identity --output text --query Arn --profile "$P" 2>&1) ;;
      v2) out=$(/usr/bin/aws sts get-caller-identity --output text --query Arn --profile "$P" --endpoint-url "$FAKE_URL" 2>&1) ;;
      boto3) out=$(AWS_PROFILE="$P" python3 -c "import boto3; print(boto3.session.Session().client('sts').get_caller_identity()['Arn'])" 2>&1) ;;
      js) out=$(cd "$JS_DIR" && AWS_PROFILE="$P" node sts-whoami.mjs 2>&1) ;;
    esac
    rc=$?
    out=$(printf '%s' "$out" | tr '\n' ' ')
    if [ $rc -eq 0 ]; then echo "ok $c $out"; else echo "FAIL $c rc=$rc $out"; fi
  done
done
`

func profileClientsEnv(t *testing.T, w *world) []string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		t.Fatal("the AWS CLI v2 is missing at /usr/bin/aws: apt-get install -y awscli (.ci/run does)")
	}
	_, file, _, _ := runtime.Caller(0)
	js := filepath.Join(filepath.Dir(file), "js")
	if _, err := os.Stat(filepath.Join(js, "node_modules", "@aws-sdk", "client-sts")); err != nil {
		t.Fatal("the JS SDK is missing: run make deps")
	}
	return []string{"P=role", "FAKE_URL=" + w.fake.URL(), "JS_DIR=" + js}
}

func TestOtherProfileWithRealClientsAcrossRotations(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	w := newWorld(t, 6*time.Second)
	logFile := filepath.Join(w.home, "awsrun.log")
	r := w.startLoop([]string{awsrunBin, "-p", "sso", "--log-level", "debug", "--log-file", logFile, "--", "bash", "-c", profileClientsScript},
		profileClientsEnv(t, w)...)
	issuedFor := func(marker string) int {
		n := 0
		for _, c := range w.fake.Issued() {
			if strings.Contains(c.ARN, marker) {
				n++
			}
		}
		return n
	}
	// The script runs the clients one at a time in this order, each making one
	// GetCallerIdentity, so the n-th such request is client order[n%4]'s: which keys each
	// client signed with shows it used role's credentials across its rotations.
	order := []string{"v1", "v2", "boto3", "js"}
	keysBy := func() map[string]map[string]bool {
		m := map[string]map[string]bool{}
		n := 0
		for _, q := range w.fake.Requests() {
			if q.Op != "GetCallerIdentity" {
				continue
			}
			c := order[n%len(order)]
			n++
			if m[c] == nil {
				m[c] = map[string]bool{}
			}
			m[c][q.AccessKeyID] = true
		}
		return m
	}
	waitFor(t, r, "every client across 5 rotations of role, and 5 of sso", 300*time.Second, func() bool {
		m := keysBy()
		for _, c := range order {
			if len(m[c]) < rotations+1 {
				return false
			}
		}
		return issuedFor("Developer") >= rotations+1
	})
	roleKeys := map[string]bool{}
	for _, c := range w.fake.Issued() {
		roleKeys[c.AccessKeyID] = strings.Contains(c.ARN, "assumed-role/Deployer")
	}
	for c, keys := range keysBy() {
		for k := range keys {
			if !roleKeys[k] {
				t.Errorf("%s signed a call with %s..., which is not one of role's credentials", c, k[:8])
			}
		}
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("awsrun/child failed: %v\n%s", err, r.out.String())
	}
	out := r.out.String()
	calls := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "ok" {
			t.Errorf("client failed: %s", line)
			continue
		}
		calls[f[1]]++
		// Node may print a warning before the ARN (stderr is kept, for failures).
		if rest := strings.Join(f[2:], " "); !strings.Contains(rest, "assumed-role/Deployer") || strings.Contains(rest, "Developer") {
			t.Errorf("%s acted as %s, want the role (never sso)", f[1], rest)
		}
	}
	for _, c := range []string{"v1", "v2", "boto3", "js"} {
		if calls[c] == 0 {
			t.Errorf("%s made no successful call", c)
		}
	}
	if n := w.fake.Errors("ExpiredToken"); n != 0 {
		t.Errorf("fake AWS answered ExpiredToken %d times", n)
	}
	log, _ := os.ReadFile(logFile)
	for _, cred := range w.fake.Issued() {
		if strings.Contains(string(log), cred.SecretAccessKey) || strings.Contains(string(log), cred.SessionToken) {
			t.Errorf("awsrun's log contains issued secrets (%s)", cred.AccessKeyID[:4])
		}
	}
	distinctBy := map[string]int{}
	for c, keys := range keysBy() {
		distinctBy[c] = len(keys)
	}
	t.Logf("calls as role: %v; distinct role keys per client %v; role credentials issued %d, sso %d, AssumeRole calls %d; 0 failures",
		calls, distinctBy, issuedFor("assumed-role/Deployer"), issuedFor("Developer"), w.fake.Calls("AssumeRole"))
}

// TestOtherProfileRefusedWithRealClients: under --profiles none (and a list without role), every
// client's call with --profile role fails with the message naming --profiles and never acts as
// sso through the endpoint.
func TestOtherProfileRefusedWithRealClients(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	for _, filter := range []string{"none", "static"} {
		t.Run(filter, func(t *testing.T) {
			w := newWorld(t, time.Hour)
			cmd := exec.Command(awsrunBin, "-p", "sso", "--profiles", filter, "--", "bash", "-c", profileClientsScript)
			cmd.Env = append(append(append([]string{}, w.env...), profileClientsEnv(t, w)...), "ROUNDS=1")
			outb, err := cmd.CombinedOutput()
			out := string(outb)
			if err != nil {
				t.Fatalf("awsrun: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 4 {
				t.Fatalf("want 4 client results, got:\n%s", out)
			}
			for _, line := range lines {
				if !strings.HasPrefix(line, "FAIL ") || !strings.Contains(line, "--profiles") || strings.Contains(line, "arn:aws") {
					t.Errorf("want a failure naming --profiles, got: %s", line)
				}
			}
			if n := w.fake.Calls("GetCallerIdentity"); n != 0 {
				t.Errorf("%d calls reached AWS as someone", n)
			}
		})
	}
}

// TestOtherProfileAwsrunUnderPathWithSpace: awsrun installed under a directory whose name has a
// space and a quote still serves another profile: the child's config quotes the path in every
// credential_process, and the AWS CLI v1 and v2 run it.
func TestOtherProfileAwsrunUnderPathWithSpace(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	w := newWorld(t, time.Hour)
	dir := filepath.Join(w.home, "my tools's bin")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "awsrun")
	if err := os.Symlink(awsrunBin, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", "sso", "--", "bash", "-c", profileClientsScript)
	cmd.Env = append(append(append([]string{}, w.env...), profileClientsEnv(t, w)...), "ROUNDS=1")
	outb, err := cmd.CombinedOutput()
	out := string(outb)
	if err != nil {
		t.Fatalf("awsrun: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 client results, got:\n%s", out)
	}
	for _, line := range lines {
		if !strings.HasPrefix(line, "ok ") || !strings.Contains(line, "assumed-role/Deployer") {
			t.Errorf("want a call as role, got: %s", line)
		}
	}
}

// oddNamesScript runs, for each profile named in $P1 and $P2, the AWS CLI v1 and v2 with
// --profile, boto3 with AWS_PROFILE and `awsrun export --profile`, printing
// "RC|CLIENT|PROFILE|OUTPUT" for each.
const oddNamesScript = `
for P in "$P1" "$P2"; do
  for c in v1 v2 boto3 export; do
    case $c in
      v1) out=$(aws sts get-caller-identity --output text --query Arn --profile "$P" 2>&1) ;;
      v2) out=$(/usr/bin/aws sts get-caller-identity --output text --query Arn --profile "$P" --endpoint-url "$FAKE_URL" 2>&1) ;;
      boto3) out=$(AWS_PROFILE="$P" python3 -c "import boto3; print(boto3.session.Session().client('sts').get_caller_identity()['Arn'])" 2>&1) ;;
      export) out=$("$E2E_AWSRUN" export --profile "$P" --format json 2>&1) ;;
    esac
    rc=$?
    printf '%s|%s|%s|%s\n' "$rc" "$c" "$P" "$(printf '%s' "$out" | tr '\n' ' ')"
  done
done
`

// oddNamesConfig adds two roles whose profile names have a space and a quote.
const oddNamesConfig = `
[profile my prof]
role_arn = arn:aws:iam::123456789012:role/Spaced
source_profile = base
region = us-east-1

[profile it's]
role_arn = arn:aws:iam::123456789012:role/Quoted
source_profile = base
region = us-east-1
`

// runOddNames runs oddNamesScript under awsrun -p sso with extra flags and returns one result
// line per client and profile.
func runOddNames(t *testing.T, w *world, flags ...string) []string {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(w.home, ".aws", "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(oddNamesConfig); err != nil {
		t.Fatal(err)
	}
	f.Close()
	argv := append(append([]string{"-p", "sso"}, flags...), "--", "bash", "-c", oddNamesScript)
	cmd := exec.Command(awsrunBin, argv...)
	cmd.Env = append(append(append([]string{}, w.env...), profileClientsEnv(t, w)...),
		"P1=my prof", "P2=it's", "E2E_AWSRUN="+awsrunBin)
	outb, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("awsrun: %v\n%s", err, outb)
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(string(outb)), "\n") {
		if strings.Count(line, "|") >= 3 {
			lines = append(lines, line)
		}
	}
	if len(lines) != 8 {
		t.Fatalf("want 8 results (4 clients, 2 profiles), got:\n%s", outb)
	}
	return lines
}

// TestOtherProfileNamesWithSpacesAndQuotes: inside `awsrun -p sso`, the AWS CLI v1 and v2 and
// boto3 use profiles named "my prof" and "it's" and act as each (its role), never as sso, and
// `awsrun export --profile` gets each from the parent. (The JS SDK v3 reads no such name, with
// or without awsrun.)
func TestOtherProfileNamesWithSpacesAndQuotes(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	w := newWorld(t, time.Hour)
	lines := runOddNames(t, w)
	roleOf := map[string]string{}
	for _, c := range w.fake.Issued() {
		roleOf[c.AccessKeyID] = c.ARN
	}
	want := map[string]string{"my prof": "assumed-role/Spaced/", "it's": "assumed-role/Quoted/"}
	for _, line := range lines {
		f := strings.SplitN(line, "|", 4)
		rc, client, profile, out := f[0], f[1], f[2], f[3]
		if rc != "0" {
			t.Errorf("%s as %q failed (exit %s): %s", client, profile, rc, out)
			continue
		}
		if client == "export" {
			var exported struct{ AccessKeyId string }
			if err := json.Unmarshal([]byte(out), &exported); err != nil || !strings.Contains(roleOf[exported.AccessKeyId], want[profile]) {
				t.Errorf("awsrun export --profile %q: %q is not a key of its role (%v)", profile, exported.AccessKeyId, err)
			}
			continue
		}
		if !strings.Contains(out, want[profile]) || strings.Contains(out, "Developer") {
			t.Errorf("%s as %q acted as %s, want %s", client, profile, out, want[profile])
		}
	}
	// Each client's call was signed with a key of the role it named.
	byRole := map[string]int{}
	for _, q := range w.fake.Requests() {
		if q.Op == "GetCallerIdentity" {
			role := "another identity"
			for _, r := range want {
				if strings.Contains(roleOf[q.AccessKeyID], r) {
					role = r
				}
			}
			byRole[role]++
		}
	}
	if byRole["assumed-role/Spaced/"] != 3 || byRole["assumed-role/Quoted/"] != 3 || len(byRole) != 2 {
		t.Errorf("GetCallerIdentity calls by role %v, want 3 as each of Spaced and Quoted", byRole)
	}
}

// TestOtherProfileNamesWithSpacesAndQuotesRefused: under --profiles static, the same names fail
// in the AWS CLI v1 and v2 and boto3 with the message naming --profiles (never the endpoint's
// identity), and the parent refuses `awsrun export --profile` for them (exit 78).
func TestOtherProfileNamesWithSpacesAndQuotesRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	w := newWorld(t, time.Hour)
	for _, line := range runOddNames(t, w, "--profiles", "static") {
		f := strings.SplitN(line, "|", 4)
		rc, client, profile, out := f[0], f[1], f[2], f[3]
		if rc == "0" || !strings.Contains(out, "--profiles") || strings.Contains(out, "arn:aws:sts") || strings.Contains(out, "AccessKeyId") {
			t.Errorf("%s as %q: exit %s, %s; want a failure naming --profiles", client, profile, rc, out)
		}
		if client == "export" && rc != "78" {
			t.Errorf("awsrun export --profile %q: exit %s, want 78", profile, rc)
		}
	}
	if n := w.fake.Calls("GetCallerIdentity"); n != 0 {
		t.Errorf("%d calls reached AWS as someone", n)
	}
}
