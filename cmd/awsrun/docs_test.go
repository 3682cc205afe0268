//go:build unix

package main

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

// The examples in docs/*.md are tested:
//   - ```json and ```xml blocks parse; every awsrun command line in them ("command"/"args",
//     "runtimeExecutable"/"runtimeArgs", or a string that starts with "awsrun ") uses flags awsrun
//     has, with valid values, and names a command where one is needed; every "AWS_PROFILE" in an
//     "env" object is a profile defined in an ```ini block with an `awsrun export` credential_process.
//   - ```ini blocks parse as AWS config files; their credential_process command lines are checked.
//   - ```sh blocks pass bash -n. Those right after a "<!-- test -->" line run for real with bash
//     in a throwaway HOME whose profile "dev" is a credential_process, awsrun on PATH (this test
//     binary) and stand-ins for the commands awsrun runs; they must succeed, and every awsrun
//     command line they ran is checked as above.
//   - each page has at least one checked awsrun command line.

const docsDir = "../../docs"

type docBlock struct {
	file, lang, text string
	line             int
	runnable         bool
}

func docBlocks(t *testing.T) []docBlock {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(docsDir, "*.md"))
	if len(files) == 0 {
		t.Fatalf("no docs in %s", docsDir)
	}
	var out []docBlock
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur *docBlock
		var body []string
		prev := ""
		for i, l := range strings.Split(string(data), "\n") {
			switch {
			case cur == nil && strings.HasPrefix(l, "```"):
				cur = &docBlock{file: filepath.Base(f), lang: strings.TrimPrefix(l, "```"), line: i + 1,
					runnable: strings.TrimSpace(prev) == "<!-- test -->"}
				body = nil
			case cur != nil && strings.TrimSpace(l) == "```":
				cur.text = strings.Join(body, "\n") + "\n"
				out = append(out, *cur)
				cur = nil
			case cur != nil:
				body = append(body, l)
			}
			if strings.TrimSpace(l) != "" {
				prev = l
			}
		}
		if cur != nil {
			t.Fatalf("%s:%d: unterminated code block", f, cur.line)
		}
	}
	return out
}

// checkInvocation checks an awsrun command line (without "awsrun") against the real flags.
func checkInvocation(argv []string) error {
	app := newApp(nil, os.Stdin, os.Stdout, os.Stderr, func(wrapper.Config) error { return nil })
	flags := app.Flags
	var sub *cli.Command
	i := 0
	for ; i < len(argv); i++ {
		w := argv[i]
		if w == "--" {
			if sub != nil {
				return fmt.Errorf("awsrun %s takes no command", sub.Name)
			}
			i++
			break
		}
		if w == "--help" || w == "-h" || w == "--version" || w == "-v" {
			return nil
		}
		if strings.HasPrefix(w, "-") {
			name, val, hasVal := strings.Cut(w, "=")
			f := findFlag(flags, name)
			if f == nil {
				return fmt.Errorf("unknown flag %s", name)
			}
			if isBoolFlag(f) {
				continue
			}
			if !hasVal {
				if i++; i >= len(argv) {
					return fmt.Errorf("flag %s needs a value", name)
				}
				val = argv[i]
			}
			if vs := flagValues[f.Names()[0]]; vs != nil && !contains(vs, val) {
				return fmt.Errorf("%s %q: want one of %v", name, val, vs)
			}
			continue
		}
		if sub == nil {
			if c := app.Command(w); c != nil {
				sub, flags = c, c.Flags
				continue
			}
		}
		break
	}
	rest := argv[i:]
	switch {
	case sub == nil && len(rest) == 0:
		return errors.New("no command to run")
	case sub != nil && sub.Name == "completion":
		if len(rest) != 1 || !contains(completionShells, rest[0]) {
			return fmt.Errorf("awsrun completion wants one of %v, got %q", completionShells, rest)
		}
	case sub != nil && len(rest) > 0:
		return fmt.Errorf("awsrun %s takes no arguments, got %q", sub.Name, rest)
	}
	return nil
}

// checkLine checks a command line given as one string, e.g. "awsrun -p dev -- claude".
func checkLine(line string) error {
	argv, err := splitCommand("test", line)
	if err != nil {
		return err
	}
	if len(argv) == 0 || argv[0] != "awsrun" {
		return fmt.Errorf("not an awsrun command line: %q", line)
	}
	return checkInvocation(argv[1:])
}

// jsonInvocations walks a JSON value for awsrun command lines and AWS_PROFILE settings.
func jsonInvocations(v any, lines *[][]string, profiles *[]string) error {
	switch x := v.(type) {
	case map[string]any:
		for _, pair := range [][2]string{{"command", "args"}, {"runtimeExecutable", "runtimeArgs"}} {
			if x[pair[0]] != "awsrun" {
				continue
			}
			var argv []string
			list, _ := x[pair[1]].([]any)
			for _, a := range list {
				s, ok := a.(string)
				if !ok {
					return fmt.Errorf("%s: not a string: %v", pair[1], a)
				}
				argv = append(argv, s)
			}
			*lines = append(*lines, argv)
		}
		if env, ok := x["env"].(map[string]any); ok {
			if p, ok := env["AWS_PROFILE"].(string); ok {
				*profiles = append(*profiles, p)
			}
		}
		for _, e := range x {
			if err := jsonInvocations(e, lines, profiles); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := jsonInvocations(e, lines, profiles); err != nil {
				return err
			}
		}
	case string:
		if strings.HasPrefix(x, "awsrun ") {
			argv, err := splitCommand("test", x)
			if err != nil {
				return err
			}
			*lines = append(*lines, argv[1:])
		}
	}
	return nil
}

var awsProfileRE = regexp.MustCompile(`\bAWS_PROFILE=([A-Za-z0-9_.-]+)`)

// docsConfig is the throwaway HOME's ~/.aws/config for the runnable blocks.
const docsConfig = "[profile dev]\ncredential_process = $TESTBIN __credproc__\nregion = us-east-1\n" +
	"[profile dev-awsrun]\ncredential_process = awsrun export --profile dev --format credential-process\nregion = us-east-1\n"

// docsStandIns are the commands the runnable blocks have awsrun run: each records its name.
var docsStandIns = []string{"claude", "terraform", "aws", "npm", "node"}

func TestDocs(t *testing.T) {
	blocks := docBlocks(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	checked := map[string]int{}
	pages := map[string]bool{}
	// Profiles backed by awsrun export, from every ```ini block.
	awsrunProfiles := map[string]bool{}
	for _, b := range blocks {
		pages[b.file] = true
		if b.lang != "ini" {
			continue
		}
		f, err := creds.Parse(b.file, []byte(b.text))
		if err != nil {
			t.Errorf("%s:%d: ini: %v", b.file, b.line, err)
			continue
		}
		for _, s := range f.Sections {
			cp := s.Keys["credential_process"]
			if !strings.HasPrefix(cp, "awsrun ") {
				continue
			}
			if err := checkLine(cp); err != nil {
				t.Errorf("%s:%d: credential_process %q: %v", b.file, b.line, cp, err)
			}
			checked[b.file]++
			awsrunProfiles[strings.TrimPrefix(s.Name, "profile ")] = true
		}
	}

	h := home(t, docsConfig)
	bin := stubAwsrun(t, h)
	for _, name := range docsStandIns {
		stub := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >>\"$DOCS_STANDIN_LOG\"\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755); err != nil {
			t.Fatal(err)
		}
	}

	for _, b := range blocks {
		where := fmt.Sprintf("%s:%d", b.file, b.line)
		switch b.lang {
		case "json":
			var v any
			if err := json.Unmarshal([]byte(b.text), &v); err != nil {
				t.Errorf("%s: json: %v", where, err)
				continue
			}
			var lines [][]string
			var profiles []string
			if err := jsonInvocations(v, &lines, &profiles); err != nil {
				t.Errorf("%s: %v", where, err)
			}
			for _, argv := range lines {
				if err := checkInvocation(argv); err != nil {
					t.Errorf("%s: awsrun %q: %v", where, argv, err)
				}
				checked[b.file]++
			}
			for _, p := range profiles {
				if !awsrunProfiles[p] {
					t.Errorf("%s: AWS_PROFILE %q is not a profile with an awsrun export credential_process in the docs", where, p)
				}
			}
		case "xml":
			d := xml.NewDecoder(strings.NewReader(b.text))
			for {
				tok, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s: xml: %v", where, err)
					break
				}
				if se, ok := tok.(xml.StartElement); ok {
					for _, a := range se.Attr {
						if strings.HasPrefix(a.Value, "awsrun ") {
							if err := checkLine(a.Value); err != nil {
								t.Errorf("%s: %q: %v", where, a.Value, err)
							}
							checked[b.file]++
						}
					}
				}
			}
		case "sh", "bash":
			script := filepath.Join(t.TempDir(), "block.sh")
			if err := os.WriteFile(script, []byte("set -e\nshopt -s expand_aliases\n"+b.text), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
				t.Errorf("%s: bash -n: %v\n%s", where, err, out)
				continue
			}
			for _, m := range awsProfileRE.FindAllStringSubmatch(b.text, -1) {
				if !awsrunProfiles[m[1]] {
					t.Errorf("%s: AWS_PROFILE=%s is not a profile with an awsrun export credential_process in the docs", where, m[1])
				}
			}
			if !b.runnable {
				continue
			}
			checked[b.file] += runDocBlock(t, where, bash, script, h, bin)
		}
	}
	var names []string
	for p := range pages {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		if p == "windows.md" {
			continue // its one example is a go build line
		}
		if checked[p] == 0 {
			t.Errorf("%s: no awsrun command line checked", p)
		}
		t.Logf("%s: %d awsrun command line(s) checked", p, checked[p])
	}
}

// runDocBlock runs a runnable block and checks the awsrun command lines it ran; it returns how
// many there were.
func runDocBlock(t *testing.T, where, bash, script, h, bin string) int {
	t.Helper()
	dir := t.TempDir()
	log, standins := filepath.Join(dir, "awsrun.log"), filepath.Join(dir, "standins.log")
	cmd := exec.Command(bash, "--norc", "--noprofile", script)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + bin + ":/usr/local/bin:/usr/bin:/bin", "HOME=" + h, "TMPDIR=" + h,
		"AWS_EC2_METADATA_DISABLED=true", "AWSRUN_DOCS_LOG=" + log, "DOCS_STANDIN_LOG=" + standins}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s: %v\n%s", where, err, out)
	}
	f, err := os.Open(log)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var argv []string
		if err := json.Unmarshal(sc.Bytes(), &argv); err != nil {
			t.Errorf("%s: stub log %q: %v", where, sc.Text(), err)
			continue
		}
		if err := checkInvocation(argv); err != nil {
			t.Errorf("%s: awsrun %q: %v", where, argv, err)
		}
		n++
	}
	return n
}
