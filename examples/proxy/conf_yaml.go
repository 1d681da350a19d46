package main

// The YAML side of nc_conf.c: conf_pre_validate's three passes (one
// document, only block tokens, the pool/key/sequence shape) and the event
// stream conf_parse walks.
//
// nutcracker reads the file with libyaml three times: yaml_parser_load to
// count documents, yaml_parser_scan to refuse tokens it does not want
// (directives, document markers, flow collections, anchors, aliases, tags)
// and yaml_parser_parse for the shape and the values. Here the file is
// parsed once with go.yaml.in/yaml/v3 into yaml.Node trees (yaml.v3 is a
// port of libyaml: the same scanner and parser, so the same documents and
// scalar values, quoting and escapes resolved, repeated keys and key order
// kept). The token pass looks at the nodes' styles, anchors and positions
// and at the lines that can hold a directive or a document marker; the
// shape and value passes run on the libyaml event sequence rebuilt from the
// tree (confEvents), which for the block-only documents that reach them is
// exactly the sequence libyaml produces.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Depths of nutcracker's configuration tree (CONF_ROOT_DEPTH,
// CONF_MAX_DEPTH): pool names at 1, their keys at 2.
const (
	confRootDepth = 1
	confMaxDepth  = 2
)

// libyaml's error types (yaml_error_type_t), which nutcracker logs as
// "(err N)".
const (
	yamlReaderError   = 2
	yamlScannerError  = 3
	yamlParserError   = 4
	yamlComposerError = 5
)

// yamlErrorType classifies a yaml.v3 error as the libyaml stage that would
// have failed: yaml.v3 keeps libyaml's problem texts but not the stage.
// Parser problems and the reader's encoding problems are recognised by
// their text, an undefined alias is the composer's, anything else is the
// scanner's (most texts are). A heuristic: where yaml.v3 words a problem
// differently from libyaml 0.2.5 the number can differ.
func yamlErrorType(err error) int {
	msg := err.Error()
	for _, p := range []string{
		"invalid leading UTF-8 octet", "invalid trailing UTF-8 octet",
		"incomplete UTF-8 octet sequence", "invalid length of a UTF-8 sequence",
		"invalid Unicode character", "control characters are not allowed",
		"input error", "incomplete UTF-16",
	} {
		if strings.Contains(msg, p) {
			return yamlReaderError
		}
	}
	for _, p := range []string{
		"did not find expected <document start>", "found duplicate %YAML directive",
		"found incompatible YAML document", "found duplicate %TAG directive",
		"did not find expected node content", "did not find expected key",
		"did not find expected '-' indicator", "did not find expected ',' or ']'",
		"did not find expected ',' or '}'", "found undefined tag handle",
	} {
		if strings.Contains(msg, p) {
			return yamlParserError
		}
	}
	if strings.Contains(msg, "unknown anchor") || strings.Contains(msg, "contains itself") {
		return yamlComposerError
	}
	return yamlScannerError
}

// confValidateDocument is conf_validate_document: the file must hold
// exactly one YAML document. It returns that document's root node.
func (cf *conf) confValidateDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root *yaml.Node
	count := 0
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, cf.errorf("conf: failed (err %d) to get the next yaml document", yamlErrorType(err))
		}
		count++
		if root == nil && len(doc.Content) > 0 {
			root = doc.Content[0]
		}
	}
	if count != 1 {
		return nil, cf.errorf("conf: '%s' must contain only 1 document; found %d documents", cf.fname, count)
	}
	return root, nil
}

// libyaml's token types (yaml_token_type_t) that conf_validate_tokens
// refuses, with the words of its message.
const (
	yamlVersionDirectiveToken = 3
	yamlTagDirectiveToken     = 4
	yamlDocumentStartToken    = 5
	yamlDocumentEndToken      = 6
	yamlFlowSequenceStart     = 10
	yamlFlowMappingStart      = 12
	yamlAliasToken            = 18
	yamlAnchorToken           = 19
	yamlTagToken              = 20
)

var tokenWords = map[int]string{
	yamlVersionDirectiveToken: "version directive",
	yamlTagDirectiveToken:     "tag directive",
	yamlDocumentStartToken:    "document start",
	yamlDocumentEndToken:      "document end",
	yamlFlowSequenceStart:     "flow sequence start",
	yamlFlowMappingStart:      "flow mapping start",
	yamlAliasToken:            "alias",
	yamlAnchorToken:           "anchor",
	yamlTagToken:              "tag",
}

// tokenAt is a refused token and where it starts (1-based).
type tokenAt struct {
	typ          int
	line, column int
}

func (t tokenAt) before(u tokenAt) bool {
	return t.line < u.line || t.line == u.line && t.column < u.column
}

// confValidateTokens is conf_validate_tokens: it reports the first token,
// in file order, that nutcracker does not allow. In a document that loaded
// (one document, see confValidateDocument) those are: %YAML and %TAG
// directives, which can only stand in the lines before the content; "---"
// and "..." at the start of a line; and, on the nodes, flow collections
// ("[" or "{"), anchors, aliases and tags. The end tokens of a flow
// collection and its "," come after its start and are never first; an
// alias comes after its anchor.
func (cf *conf) confValidateTokens(data []byte, root *yaml.Node) error {
	var first *tokenAt
	note := func(t tokenAt) {
		if first == nil || t.before(*first) {
			first = &t
		}
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	prolog := true
	for i, l := range lines {
		l = bytes.TrimRight(l, "\r\n")
		if len(l) >= 3 && (bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("..."))) &&
			(len(l) == 3 || l[3] == ' ' || l[3] == '\t') {
			typ := yamlDocumentStartToken
			if l[0] == '.' {
				typ = yamlDocumentEndToken
			}
			note(tokenAt{typ, i + 1, 1})
			prolog = false
			continue
		}
		if !prolog {
			continue
		}
		switch {
		case bytes.HasPrefix(l, []byte("%YAML")):
			note(tokenAt{yamlVersionDirectiveToken, i + 1, 1})
		case bytes.HasPrefix(l, []byte("%TAG")):
			note(tokenAt{yamlTagDirectiveToken, i + 1, 1})
		case len(bytes.TrimLeft(l, " \t")) == 0 || bytes.TrimLeft(l, " \t")[0] == '#':
		default:
			prolog = false
		}
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if first != nil && !(tokenAt{0, n.Line, n.Column}).before(*first) {
			return // nothing at or after the first refused token can precede it
		}
		tagged := n.Style&yaml.TaggedStyle != 0
		switch {
		case n.Anchor != "" && tagged:
			typ := yamlAnchorToken
			if charAt(lines, n.Line, n.Column) == '!' {
				typ = yamlTagToken
			}
			note(tokenAt{typ, n.Line, n.Column})
		case n.Anchor != "":
			note(tokenAt{yamlAnchorToken, n.Line, n.Column})
		case tagged:
			note(tokenAt{yamlTagToken, n.Line, n.Column})
		case n.Kind == yaml.AliasNode:
			note(tokenAt{yamlAliasToken, n.Line, n.Column})
		case n.Style&yaml.FlowStyle != 0 && n.Kind == yaml.SequenceNode:
			note(tokenAt{yamlFlowSequenceStart, n.Line, n.Column})
		case n.Style&yaml.FlowStyle != 0 && n.Kind == yaml.MappingNode:
			note(tokenAt{yamlFlowMappingStart, n.Line, n.Column})
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	if root != nil {
		walk(root)
	}
	if first != nil {
		return cf.errorf("conf: %s token (%d) is disallowed", tokenWords[first.typ], first.typ)
	}
	return nil
}

// charAt returns the character at a yaml.v3 position (1-based line, and
// column in characters), or 0.
func charAt(lines [][]byte, line, column int) rune {
	if line < 1 || line > len(lines) {
		return 0
	}
	l := lines[line-1]
	for i := 1; len(l) > 0; i++ {
		r, n := utf8.DecodeRune(l)
		if i == column {
			return r
		}
		l = l[n:]
	}
	return 0
}

// confEventType is the libyaml event type the passes look at.
type confEventType int

const (
	confMappingStart confEventType = iota
	confMappingEnd
	confSequenceStart
	confSequenceEnd
	confScalar
)

// confEvent is one libyaml parser event of the document's content (the
// stream and document events around it are implied).
type confEvent struct {
	typ          confEventType
	value        string // scalar value
	line, column int    // 1-based
}

// confEvents returns the event sequence libyaml emits for the block
// document under root: a mapping or sequence start, its contents, its end;
// a scalar as its value.
func confEvents(root *yaml.Node) []confEvent {
	var evs []confEvent
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			evs = append(evs, confEvent{typ: confMappingStart, line: n.Line, column: n.Column})
			for _, c := range n.Content {
				walk(c)
			}
			evs = append(evs, confEvent{typ: confMappingEnd, line: n.Line, column: n.Column})
		case yaml.SequenceNode:
			evs = append(evs, confEvent{typ: confSequenceStart, line: n.Line, column: n.Column})
			for _, c := range n.Content {
				walk(c)
			}
			evs = append(evs, confEvent{typ: confSequenceEnd, line: n.Line, column: n.Column})
		case yaml.AliasNode:
			if n.Alias != nil {
				walk(n.Alias)
			}
		default:
			evs = append(evs, confEvent{typ: confScalar, value: n.Value, line: n.Line, column: n.Column})
		}
	}
	if root != nil {
		walk(root)
	}
	return evs
}

// confValidateStructure is conf_validate_structure: the document must be a
// mapping of pool names to mappings of "key: value" pairs, each of those
// with exactly one key whose value is a sequence of scalars:
//
//	pool:
//	  key1: value1
//	  servers:
//	    - elem1
//	  key2: value2
//
// It follows the event sequence with nutcracker's depth, per-depth scalar
// counts and sequence flag, and reports the first violation as it does.
func (cf *conf) confValidateStructure(evs []confEvent) error {
	depth := 0
	var count [confMaxDepth + 1]int
	seq := false
	// The sentinels extension (sentinel.go) is a pool's one other
	// sequence: lastKey is the key a sequence belongs to.
	inSeq, sentinelSeq, lastKey := false, false, ""
	for _, ev := range evs {
		switch ev.typ {
		case confMappingStart:
			if depth == confRootDepth && count[depth] != 1 {
				return cf.errorf("conf: '%s' has more than one \"key:value\" at depth %d", cf.fname, depth)
			} else if depth >= confMaxDepth {
				return cf.errorf("conf: '%s' has a depth greater than %d", cf.fname, confMaxDepth)
			}
			depth++
		case confMappingEnd:
			if depth == confMaxDepth {
				if !seq {
					return cf.errorf("conf: '%s' missing sequence directive at depth %d", cf.fname, depth)
				}
				seq, sentinelSeq = false, false
			}
			depth--
			count[depth] = 0
		case confSequenceStart:
			inSeq = true
			if lastKey == "sentinels" && !sentinelSeq && depth == confMaxDepth && count[depth] == 1 {
				sentinelSeq = true
				continue
			}
			switch {
			case seq:
				return cf.errorf("conf: '%s' has more than one sequence directive", cf.fname)
			case depth != confMaxDepth:
				return cf.errorf("conf: '%s' has sequence at depth %d instead of %d", cf.fname, depth, confMaxDepth)
			case count[depth] != 1:
				return cf.errorf("conf: '%s' has invalid \"key:value\" at depth %d", cf.fname, depth)
			}
			seq = true
		case confSequenceEnd:
			inSeq = false
			count[depth] = 0
		case confScalar:
			switch {
			case depth == 0:
				return cf.errorf("conf: '%s' has invalid empty \"key:\" at depth %d", cf.fname, depth)
			case depth == confRootDepth && count[depth] != 0:
				return cf.errorf("conf: '%s' has invalid mapping \"key:\" at depth %d", cf.fname, depth)
			case depth == confMaxDepth && count[depth] == 2:
				count[depth] = 0 // a "key: value" done, the next begins
			}
			if depth == confMaxDepth && !inSeq && count[depth] == 0 {
				lastKey = ev.value
			}
			count[depth]++
		}
	}
	return nil
}

// confParse is conf_parse (conf_begin_parse, conf_parse_core,
// conf_end_parse) on a document confValidateStructure accepted: a scalar
// at depth 1 begins a pool (conf_pool_init), a scalar that completes a
// "key: value" at depth 2, or each scalar of the sequence, goes to
// conf_handler with the key, in file order, so the first bad directive is
// the one reported. nutcracker's conf_push_scalar fails, without a word,
// on an empty scalar (a key, value, pool name or server with nothing in
// it); here that failure gets a line of its own.
func (cf *conf) confParse(evs []confEvent) error {
	depth := 0
	seq := false
	var args []string
	var pool *confPool
	for _, ev := range evs {
		switch ev.typ {
		case confMappingStart:
			depth++
			continue
		case confMappingEnd:
			depth--
			if depth == confRootDepth {
				args = args[:len(args)-1]
			}
			continue
		case confSequenceStart:
			seq = true
			continue
		case confSequenceEnd:
			args = args[:len(args)-1]
			seq = false
			continue
		}
		if ev.value == "" {
			return cf.errorf("conf: '%s' has an empty scalar at line %d column %d (nutcracker 0.5.0 rejects it without a message)",
				cf.fname, ev.line, ev.column)
		}
		args = append(args, ev.value)
		switch {
		case seq:
			if err := cf.confHandler(pool, args[len(args)-2], ev.value); err != nil {
				return err
			}
			args = args[:len(args)-1]
		case depth == confRootDepth:
			pool = confPoolInit(ev.value)
			cf.pools = append(cf.pools, pool)
		case len(args) == depth+1:
			if err := cf.confHandler(pool, args[len(args)-2], ev.value); err != nil {
				return err
			}
			args = args[:len(args)-2]
		}
	}
	return nil
}

// errorf logs a reason at log_error's level and returns it as an error.
// The file:line in the log is errorf's caller's.
func (cf *conf) errorf(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	logf(cf.log, logAlert, "%s", msg)
	return errors.New(msg)
}
