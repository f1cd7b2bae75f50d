// yamlref: go-yaml (the library Helm and Helmfile read and write YAML with) as an oracle for
// hfl's differential specs. Built in GOPATH mode against Debian's go-yaml sources by build.sh.
//
//	yamlref decode [--v2]   YAML on stdin → one typed JSON dump line per document
//	yamlref encode          YAML on stdin → each document decoded (v3) and re-encoded
//	yamlref encode-json     typed JSON dumps on stdin → each value encoded (v3)
//
// Encoding is what Helmfile's yaml.Marshal does: a fresh v3 Encoder per value, SetIndent(2);
// the documents of one input are joined with "---\n".
//
// With -0 (batch mode) stdin holds many inputs, each ended by a NUL byte; each is processed
// on its own and its output is ended by a NUL byte. An input that fails yields its output so
// far and then the line "\x01error: <message>".
//
// The typed dump names each value's kind so both sides compare exactly:
//
//	{"map":[["key",V],...]} keys sorted bytewise, {"list":[V,...]}, {"str":"..."},
//	{"int":"-12"}, {"float":"1e+06"} (strconv 'g' -1), {"bool":true}, {"null":true},
//	{"time":"2001-12-14T21:59:43.1-05:00"} (RFC 3339 with nanoseconds)
//
// Strings are escaped minimally: \" \\ and \u00XX for bytes below 0x20 and 0x7f; all other
// bytes are written as they are. Errors go to stderr with exit status 1.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"time"

	yamlv2 "gopkg.in/yaml.v2"
	yamlv3 "gopkg.in/yaml.v3"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	mode, v2, batch := os.Args[1], false, false
	for _, a := range os.Args[2:] {
		switch {
		case a == "--v2" && mode == "decode":
			v2 = true
		case a == "-0":
			batch = true
		default:
			usage()
		}
	}
	var run func(in []byte, out *bytes.Buffer) error
	switch mode {
	case "decode":
		run = func(in []byte, out *bytes.Buffer) error { return decode(in, v2, out) }
	case "encode":
		run = encode
	case "encode-json":
		run = encodeJSON
	default:
		usage()
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	if !batch {
		var b bytes.Buffer
		err := run(in, &b)
		out.Write(b.Bytes())
		if err != nil {
			out.Flush()
			fail(err)
		}
		return
	}
	parts := bytes.Split(in, []byte{0})
	if len(parts) > 0 && len(parts[len(parts)-1]) == 0 {
		parts = parts[:len(parts)-1]
	}
	for _, part := range parts {
		var b bytes.Buffer
		if err := run(part, &b); err != nil {
			b.WriteString("\x01error: " + err.Error() + "\n")
		}
		out.Write(b.Bytes())
		out.WriteByte(0)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: yamlref decode [--v2] [-0] | encode [-0] | encode-json [-0]  (input on stdin)")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err.Error())
	os.Exit(1)
}

// decodeAll reads every document of a stream the way Helmfile does with yaml.NewDecoder.
func decodeAll(in []byte, v2 bool) ([]interface{}, error) {
	var docs []interface{}
	if v2 {
		dec := yamlv2.NewDecoder(bytes.NewReader(in))
		for {
			var v interface{}
			if err := dec.Decode(&v); err == io.EOF {
				return docs, nil
			} else if err != nil {
				return docs, err
			}
			docs = append(docs, stringifyKeys(v))
		}
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(in))
	for {
		var v interface{}
		if err := dec.Decode(&v); err == io.EOF {
			return docs, nil
		} else if err != nil {
			return docs, err
		}
		docs = append(docs, stringifyKeys(v))
	}
}

// stringifyKeys turns map[interface{}]interface{} (v2, or v3 with non-string keys) into
// map[string]interface{} with fmt.Sprint keys, as Helmfile does before using values.
func stringifyKeys(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		// Keys that print alike (1 and "1") collide; Go's map order would pick one at
		// random, so the one whose type name sorts last wins, every time.
		keys := make([]interface{}, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			si, sj := fmt.Sprint(keys[i]), fmt.Sprint(keys[j])
			if si != sj {
				return si < sj
			}
			return fmt.Sprintf("%T", keys[i]) < fmt.Sprintf("%T", keys[j])
		})
		m := make(map[string]interface{}, len(t))
		for _, k := range keys {
			m[fmt.Sprint(k)] = stringifyKeys(t[k])
		}
		return m
	case map[string]interface{}:
		for k, x := range t {
			t[k] = stringifyKeys(x)
		}
		return t
	case []interface{}:
		for i, x := range t {
			t[i] = stringifyKeys(x)
		}
		return t
	}
	return v
}

func decode(in []byte, v2 bool, out *bytes.Buffer) error {
	docs, err := decodeAll(in, v2)
	for _, d := range docs {
		dump(out, d)
		out.WriteByte('\n')
	}
	return err
}

func encode(in []byte, out *bytes.Buffer) error {
	docs, err := decodeAll(in, false)
	if err != nil {
		return err
	}
	return encodeDocs(out, docs)
}

func encodeJSON(in []byte, out *bytes.Buffer) error {
	var docs []interface{}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	for {
		var raw interface{}
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		v, err := undump(raw)
		if err != nil {
			return err
		}
		docs = append(docs, v)
	}
	return encodeDocs(out, docs)
}

// encodeDocs writes what Helmfile's yaml.Marshal writes for each value, "---\n" between them.
func encodeDocs(out *bytes.Buffer, docs []interface{}) error {
	for i, d := range docs {
		var b bytes.Buffer
		enc := yamlv3.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(d); err != nil {
			return err
		}
		if err := enc.Close(); err != nil {
			return err
		}
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(b.Bytes())
	}
	return nil
}

func dumpString(out *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	out.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			out.WriteByte('\\')
			out.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			out.WriteString(`\u00`)
			out.WriteByte(hex[c>>4])
			out.WriteByte(hex[c&15])
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte('"')
}

func dump(out *bytes.Buffer, v interface{}) {
	switch t := v.(type) {
	case nil:
		out.WriteString(`{"null":true}`)
	case bool:
		if t {
			out.WriteString(`{"bool":true}`)
		} else {
			out.WriteString(`{"bool":false}`)
		}
	case string:
		out.WriteString(`{"str":`)
		dumpString(out, t)
		out.WriteByte('}')
	case int:
		fmt.Fprintf(out, `{"int":"%d"}`, t)
	case int64:
		fmt.Fprintf(out, `{"int":"%d"}`, t)
	case uint64:
		fmt.Fprintf(out, `{"int":"%d"}`, t)
	case float64:
		fmt.Fprintf(out, `{"float":"%s"}`, strconv.FormatFloat(t, 'g', -1, 64))
	case time.Time:
		fmt.Fprintf(out, `{"time":"%s"}`, t.Format(time.RFC3339Nano))
	case []byte:
		out.WriteString(`{"str":`)
		dumpString(out, string(t))
		out.WriteByte('}')
	case []interface{}:
		out.WriteString(`{"list":[`)
		for i, x := range t {
			if i > 0 {
				out.WriteByte(',')
			}
			dump(out, x)
		}
		out.WriteString(`]}`)
	case map[string]interface{}:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out.WriteString(`{"map":[`)
		for i, k := range keys {
			if i > 0 {
				out.WriteByte(',')
			}
			out.WriteByte('[')
			dumpString(out, k)
			out.WriteByte(',')
			dump(out, t[k])
			out.WriteByte(']')
		}
		out.WriteString(`]}`)
	case map[interface{}]interface{}:
		dump(out, stringifyKeys(t))
	default:
		fmt.Fprintf(out, `{"unknown":"%T"}`, v)
	}
}

// undump builds the Go value a typed dump describes: ints become int (uint64 past
// MaxInt64; beyond that an error), floats float64, maps map[string]interface{}.
func undump(raw interface{}) (interface{}, error) {
	obj, ok := raw.(map[string]interface{})
	if !ok || len(obj) != 1 {
		return nil, fmt.Errorf("typed dump: want an object with one kind, got %v", raw)
	}
	for kind, x := range obj {
		switch kind {
		case "null":
			return nil, nil
		case "bool":
			b, ok := x.(bool)
			if !ok {
				return nil, errors.New("typed dump: bool wants true or false")
			}
			return b, nil
		case "str":
			s, ok := x.(string)
			if !ok {
				return nil, errors.New("typed dump: str wants a string")
			}
			return s, nil
		case "int":
			s, ok := x.(string)
			if !ok {
				return nil, errors.New("typed dump: int wants a string of digits")
			}
			if i, err := strconv.ParseInt(s, 10, 64); err == nil {
				return int(i), nil
			}
			if u, err := strconv.ParseUint(s, 10, 64); err == nil {
				return u, nil
			}
			return nil, fmt.Errorf("typed dump: int %q is beyond what Go's int64/uint64 hold", s)
		case "float":
			s, ok := x.(string)
			if !ok {
				return nil, errors.New("typed dump: float wants a string")
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("typed dump: bad float %q", s)
			}
			return f, nil
		case "time":
			s, ok := x.(string)
			if !ok {
				return nil, errors.New("typed dump: time wants a string")
			}
			return time.Parse(time.RFC3339Nano, s)
		case "list":
			xs, ok := x.([]interface{})
			if !ok {
				return nil, errors.New("typed dump: list wants an array")
			}
			l := make([]interface{}, len(xs))
			for i, e := range xs {
				v, err := undump(e)
				if err != nil {
					return nil, err
				}
				l[i] = v
			}
			return l, nil
		case "map":
			xs, ok := x.([]interface{})
			if !ok {
				return nil, errors.New("typed dump: map wants an array of [key, value]")
			}
			m := make(map[string]interface{}, len(xs))
			for _, e := range xs {
				kv, ok := e.([]interface{})
				if !ok || len(kv) != 2 {
					return nil, errors.New("typed dump: map entry wants [key, value]")
				}
				k, ok := kv[0].(string)
				if !ok {
					return nil, errors.New("typed dump: map keys are strings")
				}
				v, err := undump(kv[1])
				if err != nil {
					return nil, err
				}
				m[k] = v
			}
			return m, nil
		}
		return nil, fmt.Errorf("typed dump: unknown kind %q", kind)
	}
	return nil, nil
}
