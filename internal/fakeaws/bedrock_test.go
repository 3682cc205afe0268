package fakeaws

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The known-answer vector below is computed by hand from the framing rules
// (not by the encoder), so encode and decode cannot agree on a wrong format.
func TestEventStreamKnownAnswer(t *testing.T) {
	var want []byte
	hdr := append([]byte{2}, "ab"...)
	hdr = append(hdr, 7, 0, 1, 'x')
	payload := []byte("{}")
	total := 12 + len(hdr) + len(payload) + 4
	want = binary.BigEndian.AppendUint32(want, uint32(total))
	want = binary.BigEndian.AppendUint32(want, uint32(len(hdr)))
	want = binary.BigEndian.AppendUint32(want, crc32.ChecksumIEEE(want))
	want = append(want, hdr...)
	want = append(want, payload...)
	want = binary.BigEndian.AppendUint32(want, crc32.ChecksumIEEE(want))

	got, err := EncodeEventStreamMessage([]EventStreamHeader{{"ab", "x"}}, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoded\n%x\nwant\n%x", got, want)
	}
	// The empty message of the AWS event-stream test suite ("empty_message"):
	// 16 bytes, prelude CRC 0x05c248eb, message CRC 0x7d98c8ff.
	empty, err := EncodeEventStreamMessage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h := hex.EncodeToString(empty); h != "000000100000000005c248eb7d98c8ff" {
		t.Fatalf("empty message %s", h)
	}
}

func TestEventStreamRoundTripAndCorruption(t *testing.T) {
	headers := []EventStreamHeader{{":event-type", "chunk"}, {":content-type", "application/json"}, {":message-type", "event"}}
	var stream []byte
	for _, p := range []string{`{"bytes":"e30="}`, "", strings.Repeat("z", 70000)} {
		m, err := EncodeEventStreamMessage(headers, []byte(p))
		if err != nil {
			t.Fatal(err)
		}
		stream = append(stream, m...)
	}
	r := bytes.NewReader(stream)
	for i, p := range []string{`{"bytes":"e30="}`, "", strings.Repeat("z", 70000)} {
		m, err := ReadEventStreamMessage(r)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if string(m.Payload) != p || m.Header(":event-type") != "chunk" || len(m.Headers) != 3 {
			t.Fatalf("message %d: headers %v, payload %d bytes", i, m.Headers, len(m.Payload))
		}
	}
	if _, err := ReadEventStreamMessage(r); err != io.EOF {
		t.Fatalf("after the last message: %v, want io.EOF", err)
	}

	one, _ := EncodeEventStreamMessage(headers, []byte("payload"))
	for _, tc := range []struct {
		name string
		at   int
	}{{"prelude length", 2}, {"prelude crc", 9}, {"header", 14}, {"payload", len(one) - 6}, {"message crc", len(one) - 1}} {
		bad := bytes.Clone(one)
		bad[tc.at] ^= 0x40
		_, err := ReadEventStreamMessage(bytes.NewReader(bad))
		if !errors.Is(err, ErrEventStreamCRC) {
			t.Errorf("%s flipped: %v, want a checksum error", tc.name, err)
		}
	}
	if _, err := ReadEventStreamMessage(bytes.NewReader(one[:len(one)-1])); err == nil || err == io.EOF {
		t.Errorf("truncated message: %v, want an error", err)
	}
	if _, err := EncodeEventStreamMessage([]EventStreamHeader{{strings.Repeat("n", 256), ""}}, nil); err == nil {
		t.Error("a 256-byte header name was encoded")
	}
}

// bedrockCall signs a request for service "bedrock" with the SDK's signer,
// as the Anthropic Bedrock client and the AWS SDK for JS do.
func bedrockCall(t *testing.T, s *Server, c aws.Credentials, method, path string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL()+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), "bedrock", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// testClient is an HTTP client of the test's own, so no connection of it outlives the test in
// the process-wide pool of http.DefaultClient, where a later test's server on a reused port
// could meet it.
func testClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func sessionCreds(t *testing.T, s *Server) aws.Credentials {
	t.Helper()
	out, err := stsClient(s, userKey, userSecret, "").GetSessionToken(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return aws.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey,
		SessionToken: *out.Credentials.SessionToken}
}

const messagesBody = `{"anthropic_version":"bedrock-2023-05-31","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`

func TestBedrockStreamCarriesTheReply(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	c := sessionCreds(t, s)
	resp := bedrockCall(t, s, c, "POST", "/model/us.anthropic.claude-haiku-4-5-20251001-v1:0/invoke-with-response-stream", []byte(messagesBody))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	var types []string
	var text strings.Builder
	for {
		m, err := ReadEventStreamMessage(resp.Body)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if m.Header(":event-type") != "chunk" || m.Header(":message-type") != "event" || m.Header(":content-type") != "application/json" {
			t.Fatalf("headers %v", m.Headers)
		}
		var chunk struct{ Bytes string }
		if err := json.Unmarshal(m.Payload, &chunk); err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(chunk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		var ev struct {
			Type    string
			Message struct{ Model string }
			Delta   struct{ Text string }
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		if ev.Type == "message_start" && ev.Message.Model != "us.anthropic.claude-haiku-4-5-20251001-v1:0" {
			t.Errorf("model %q", ev.Message.Model)
		}
		text.WriteString(ev.Delta.Text)
	}
	if text.String() != BedrockReply {
		t.Errorf("streamed text %q, want %q", text.String(), BedrockReply)
	}
	want := "message_start content_block_start content_block_delta content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if strings.Join(types, " ") != want {
		t.Errorf("events %v", types)
	}
	if s.Calls(OpInvokeModelWithResponseStream) != 1 {
		t.Errorf("calls %d", s.Calls(OpInvokeModelWithResponseStream))
	}
}

func TestBedrockInvokeCountAndProfiles(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	c := sessionCreds(t, s)

	resp := bedrockCall(t, s, c, "POST", "/model/us.anthropic.claude-opus-5-5/invoke", []byte(messagesBody))
	var msg struct {
		Role    string
		Content []struct{ Type, Text string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&msg); err != nil || resp.StatusCode != 200 {
		t.Fatalf("invoke: %d %v", resp.StatusCode, err)
	}
	if msg.Role != "assistant" || len(msg.Content) != 1 || msg.Content[0].Text != BedrockReply {
		t.Errorf("invoke answered %+v", msg)
	}

	ct, _ := json.Marshal(map[string]any{"input": map[string]any{"invokeModel": map[string]string{
		"body": base64.StdEncoding.EncodeToString([]byte(messagesBody))}}})
	resp = bedrockCall(t, s, c, "POST", "/model/us.anthropic.claude-opus-5-5/count-tokens", ct)
	var count struct{ InputTokens int }
	if err := json.NewDecoder(resp.Body).Decode(&count); err != nil || resp.StatusCode != 200 || count.InputTokens <= 0 {
		t.Errorf("count-tokens: %d %v %+v", resp.StatusCode, err, count)
	}

	resp = bedrockCall(t, s, c, "GET", "/inference-profiles?type=SYSTEM_DEFINED", nil)
	var list struct {
		InferenceProfileSummaries []struct{ InferenceProfileID, Status string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || resp.StatusCode != 200 {
		t.Fatalf("list: %d %v", resp.StatusCode, err)
	}
	if len(list.InferenceProfileSummaries) != len(BedrockInferenceProfiles) || list.InferenceProfileSummaries[0].Status != "ACTIVE" {
		t.Errorf("profiles %+v", list)
	}
	resp = bedrockCall(t, s, c, "GET", "/inference-profiles/"+BedrockInferenceProfiles[1], nil)
	if resp.StatusCode != 200 {
		t.Errorf("get profile: %d", resp.StatusCode)
	}
	resp = bedrockCall(t, s, c, "POST", "/model/m/invoke", []byte(`{"messages":[]}`))
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-Errortype") != "ValidationException" {
		t.Errorf("bad body: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
}

func TestBedrockRefusesExpiredAndForeignCredentials(t *testing.T) {
	s, clock := withClock(t, time.Minute)
	c := sessionCreds(t, s)
	path := "/model/us.anthropic.claude-opus-5-5/invoke-with-response-stream"

	cases := []struct {
		name   string
		creds  aws.Credentials
		status int
		code   string
		msg    string
	}{
		{"unknown key", aws.Credentials{AccessKeyID: "ASIANOTISSUED0000000", SecretAccessKey: "x", SessionToken: "t"},
			403, "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"wrong secret", aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey + "x", SessionToken: c.SessionToken},
			403, "InvalidSignatureException", ""},
	}
	for _, tc := range cases {
		resp := bedrockCall(t, s, tc.creds, "POST", path, []byte(messagesBody))
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != tc.status || resp.Header.Get("X-Amzn-Errortype") != tc.code || !strings.Contains(string(b), tc.msg) {
			t.Errorf("%s: %d %s %s", tc.name, resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), b)
		}
	}
	// A request signed for another service is refused even with good keys.
	req, _ := http.NewRequest("POST", s.URL()+path, strings.NewReader(messagesBody))
	sum := sha256.Sum256([]byte(messagesBody))
	v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now())
	resp, err := testClient(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Errortype") != "InvalidSignatureException" {
		t.Errorf("sts-scoped signature: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}

	if resp := bedrockCall(t, s, c, "POST", path, []byte(messagesBody)); resp.StatusCode != 200 {
		t.Fatalf("fresh credentials refused: %d", resp.StatusCode)
	}
	clock.Advance(time.Minute)
	resp = bedrockCall(t, s, c, "POST", path, []byte(messagesBody))
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Errortype") != "ExpiredTokenException" ||
		string(b) != `{"message":"The security token included in the request is expired"}` {
		t.Errorf("expired: %d %q %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), b)
	}
	if s.Errors("ExpiredTokenException") != 1 {
		t.Errorf("ExpiredTokenException recorded %d times", s.Errors("ExpiredTokenException"))
	}
}

func TestBedrockFaultExpired(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	c := sessionCreds(t, s)
	s.SetFault(OpInvokeModel, Fault{Kind: FaultExpired, Count: 1})
	resp := bedrockCall(t, s, c, "POST", "/model/x/invoke", []byte(messagesBody))
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Errortype") != "ExpiredTokenException" {
		t.Errorf("fault: %d %s", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
	if resp := bedrockCall(t, s, c, "POST", "/model/x/invoke", []byte(messagesBody)); resp.StatusCode != 200 {
		t.Errorf("after the one fault: %d", resp.StatusCode)
	}
}
