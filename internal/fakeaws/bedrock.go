package fakeaws

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// BedrockReply is the text of every model answer the fake Bedrock gives, in
// InvokeModel and InvokeModelWithResponseStream alike, so a test can check a
// client printed exactly what the service said.
const BedrockReply = "Hello from the fake Bedrock: credentials accepted."

// bedrockReplyChunks is BedrockReply as the stream sends it, in pieces, so a
// client that only shows the first delta is caught.
var bedrockReplyChunks = []string{"Hello from the fake Bedrock", ": credentials", " accepted."}

// BedrockInferenceProfiles are the system-defined inference profiles
// ListInferenceProfiles returns: the ones Claude Code 2.1 asks for by default.
var BedrockInferenceProfiles = []string{
	"us.anthropic.claude-opus-5-5",
	"us.anthropic.claude-sonnet-4-5-20250929-v1:0",
	"us.anthropic.claude-haiku-4-5-20251001-v1:0",
}

// Operation names Request.Op records for Bedrock; the runtime ones are on the
// bedrock-runtime host in AWS, the inference-profile ones on the bedrock
// control plane. Both sign with service "bedrock", and one base URL serves
// both here, as ANTHROPIC_BEDROCK_BASE_URL points Claude Code at one host.
const (
	OpInvokeModel                   = "InvokeModel"
	OpInvokeModelWithResponseStream = "InvokeModelWithResponseStream"
	OpCountTokens                   = "CountTokens"
	OpListInferenceProfiles         = "ListInferenceProfiles"
	OpGetInferenceProfile           = "GetInferenceProfile"
)

var (
	// errBedrockExpired is what Bedrock answers a signature made with an
	// expired session token: 403 and the REST-JSON error type, where STS says
	// ExpiredToken in XML.
	errBedrockExpired = &apiError{status: http.StatusForbidden, code: "ExpiredTokenException",
		message: "The security token included in the request is expired"}
	errBedrockUnrecognized = &apiError{status: http.StatusForbidden, code: "UnrecognizedClientException",
		message: "The security token included in the request is invalid."}
)

// isBedrockPath tells the Bedrock REST paths from STS, SSO and OIDC.
func isBedrockPath(p string) bool {
	return strings.HasPrefix(p, "/model/") || p == "/inference-profiles" || strings.HasPrefix(p, "/inference-profiles/")
}

// bedrockRoute names the operation at method and path and, for the runtime
// operations, the model ID in it ("" when the path names no operation).
func bedrockRoute(method, path string) (op, model string) {
	if rest, ok := strings.CutPrefix(path, "/model/"); ok {
		i := strings.LastIndexByte(rest, '/')
		if i <= 0 || method != http.MethodPost {
			return "", ""
		}
		model, err := url.PathUnescape(rest[:i])
		if err != nil {
			return "", ""
		}
		switch rest[i+1:] {
		case "invoke":
			return OpInvokeModel, model
		case "invoke-with-response-stream":
			return OpInvokeModelWithResponseStream, model
		case "count-tokens":
			return OpCountTokens, model
		}
		return "", ""
	}
	if method != http.MethodGet {
		return "", ""
	}
	if path == "/inference-profiles" {
		return OpListInferenceProfiles, ""
	}
	if id, ok := strings.CutPrefix(path, "/inference-profiles/"); ok && id != "" {
		id, err := url.PathUnescape(id)
		if err != nil {
			return "", ""
		}
		return OpGetInferenceProfile, id
	}
	return "", ""
}

// serveBedrock answers the Bedrock runtime and the inference-profile part of
// the control plane, SigV4-checked for service "bedrock" against the
// credentials this server issued.
func (s *Server) serveBedrock(x *exchange, r *http.Request) {
	op, model := bedrockRoute(r.Method, r.URL.Path)
	x.rec.Op = op
	if op == "" {
		x.sendBedrockError(&apiError{status: http.StatusNotFound, code: "UnknownOperationException",
			message: "fakeaws has no Bedrock operation at " + r.Method + " " + r.URL.Path})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(x.w, r.Body, maxBody))
	if err != nil {
		x.sendBedrockError(&apiError{status: http.StatusRequestEntityTooLarge, code: "ValidationException",
			message: "Request body too large or unreadable"})
		return
	}
	if _, aerr := s.authenticate(x, r, body, "bedrock"); aerr != nil {
		x.sendBedrockError(bedrockAuthError(aerr))
		return
	}
	switch op {
	case OpListInferenceProfiles:
		x.sendJSON(map[string]any{"inferenceProfileSummaries": s.inferenceProfiles(x.rec.Region)})
		return
	case OpGetInferenceProfile:
		for _, p := range s.inferenceProfiles(x.rec.Region) {
			if p.ID == model || p.ARN == model {
				x.sendJSON(p)
				return
			}
		}
		x.sendBedrockError(&apiError{status: http.StatusNotFound, code: "ResourceNotFoundException",
			message: "Inference profile not found"})
		return
	}
	var req struct {
		AnthropicVersion string            `json:"anthropic_version"`
		Messages         []json.RawMessage `json:"messages"`
	}
	if op == OpCountTokens {
		var ct struct {
			Input struct {
				InvokeModel struct {
					Body string `json:"body"`
				} `json:"invokeModel"`
			} `json:"input"`
		}
		if json.Unmarshal(body, &ct) != nil {
			x.sendBedrockError(&apiError{status: http.StatusBadRequest, code: "ValidationException", message: "Malformed input request"})
			return
		}
		b, err := base64.StdEncoding.DecodeString(ct.Input.InvokeModel.Body)
		if err != nil {
			x.sendBedrockError(&apiError{status: http.StatusBadRequest, code: "ValidationException", message: "Malformed input request"})
			return
		}
		body = b
	}
	if json.Unmarshal(body, &req) != nil || req.AnthropicVersion == "" || len(req.Messages) == 0 {
		x.sendBedrockError(&apiError{status: http.StatusBadRequest, code: "ValidationException",
			message: "Malformed input request: anthropic_version and messages are required"})
		return
	}
	inTokens := len(body)/4 + 1 // the usual rough four bytes a token
	switch op {
	case OpCountTokens:
		x.sendJSON(map[string]int{"inputTokens": inTokens})
	case OpInvokeModel:
		x.w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(inTokens))
		x.w.Header().Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(len(bedrockReplyChunks)))
		x.sendJSON(map[string]any{
			"id": "msg_bdrk_" + x.requestID, "type": "message", "role": "assistant", "model": model,
			"content":     []map[string]string{{"type": "text", "text": BedrockReply}},
			"stop_reason": "end_turn", "stop_sequence": nil,
			"usage": map[string]int{"input_tokens": inTokens, "output_tokens": len(bedrockReplyChunks)},
		})
	case OpInvokeModelWithResponseStream:
		x.streamReply(model, inTokens)
	}
}

// bedrockAuthError translates a SigV4 failure found with STS's codes into
// what Bedrock answers for the same failure.
func bedrockAuthError(e *apiError) *apiError {
	switch e {
	case errExpiredToken:
		return errBedrockExpired
	case errInvalidClientTokenID:
		return errBedrockUnrecognized
	}
	code := e.code
	switch code {
	case "SignatureDoesNotMatch":
		code = "InvalidSignatureException"
	case "MissingAuthenticationToken", "IncompleteSignature":
		code += "Exception"
	}
	return &apiError{status: e.status, code: code, message: e.message}
}

// sendBedrockError renders e as Bedrock does: x-amzn-ErrorType holds the bare
// code and the body is {"message"}; the Anthropic Bedrock client reads both.
func (x *exchange) sendBedrockError(e *apiError) {
	body, _ := json.Marshal(struct {
		Message string `json:"message"`
	}{e.message})
	x.rec.Code = e.code
	x.w.Header().Set("X-Amzn-Errortype", e.code)
	x.send(e.status, "application/json", body)
}

type inferenceProfileModel struct {
	ModelARN string `json:"modelArn"`
}

type inferenceProfile struct {
	Name        string                  `json:"inferenceProfileName"`
	ID          string                  `json:"inferenceProfileId"`
	ARN         string                  `json:"inferenceProfileArn"`
	Description string                  `json:"description"`
	Status      string                  `json:"status"`
	Type        string                  `json:"type"`
	Models      []inferenceProfileModel `json:"models"`
	CreatedAt   string                  `json:"createdAt"`
	UpdatedAt   string                  `json:"updatedAt"`
}

func (s *Server) inferenceProfiles(region string) []inferenceProfile {
	if region == "" {
		region = "us-east-1"
	}
	out := make([]inferenceProfile, 0, len(BedrockInferenceProfiles))
	for _, id := range BedrockInferenceProfiles {
		base := strings.TrimPrefix(id, "us.")
		out = append(out, inferenceProfile{
			Name:        "US " + base,
			ID:          id,
			ARN:         "arn:aws:bedrock:" + region + ":" + s.account + ":inference-profile/" + id,
			Description: "Routes requests to " + base + " in US regions.",
			Status:      "ACTIVE",
			Type:        "SYSTEM_DEFINED",
			Models: []inferenceProfileModel{
				{ModelARN: "arn:aws:bedrock:us-east-1::foundation-model/" + base},
				{ModelARN: "arn:aws:bedrock:us-west-2::foundation-model/" + base},
			},
			CreatedAt: "2025-09-29T00:00:00Z",
			UpdatedAt: "2025-09-29T00:00:00Z",
		})
	}
	return out
}

// BedrockStreamEvents are the Anthropic Messages API stream events, as JSON,
// that InvokeModelWithResponseStream sends for model: message_start, one
// text block (start, deltas, stop), message_delta, message_stop.
func BedrockStreamEvents(messageID, model string, inputTokens int) [][]byte {
	events := []any{
		map[string]any{"type": "message_start", "message": map[string]any{
			"id": messageID, "type": "message", "role": "assistant", "model": model,
			"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
			"usage": map[string]int{"input_tokens": inputTokens, "output_tokens": 1},
		}},
		map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]string{"type": "text", "text": ""}},
	}
	for _, c := range bedrockReplyChunks {
		events = append(events, map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]string{"type": "text_delta", "text": c}})
	}
	events = append(events,
		map[string]any{"type": "content_block_stop", "index": 0},
		map[string]any{"type": "message_delta",
			"delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil},
			"usage": map[string]int{"output_tokens": len(bedrockReplyChunks)}},
		map[string]any{"type": "message_stop", "amazon-bedrock-invocationMetrics": map[string]int{
			"inputTokenCount": inputTokens, "outputTokenCount": len(bedrockReplyChunks),
			"invocationLatency": 1, "firstByteLatency": 1,
		}},
	)
	out := make([][]byte, len(events))
	for i, e := range events {
		out[i], _ = json.Marshal(e)
	}
	return out
}

// streamReply answers InvokeModelWithResponseStream: each stream event is a
// "chunk" event whose payload is {"bytes": base64 of the event's JSON}, as
// Bedrock wraps the model's own stream.
func (x *exchange) streamReply(model string, inTokens int) {
	var stream []byte
	for _, ev := range BedrockStreamEvents("msg_bdrk_"+x.requestID, model, inTokens) {
		payload, _ := json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(ev)})
		msg, err := EncodeEventStreamMessage([]EventStreamHeader{
			{":event-type", "chunk"},
			{":content-type", "application/json"},
			{":message-type", "event"},
		}, payload)
		if err != nil {
			x.sendBedrockError(&apiError{status: http.StatusInternalServerError, code: "InternalServerException", message: err.Error()})
			return
		}
		stream = append(stream, msg...)
	}
	x.w.Header().Set("X-Amzn-Bedrock-Content-Type", "application/json")
	x.send(http.StatusOK, "application/vnd.amazon.eventstream", stream)
}
