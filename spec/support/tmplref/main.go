// tmplref: the template oracle for hfl's specs. It renders Go text/template with Sprig's
// TxtFuncMap (plus Helm-style include and tpl) and prints the output or the error.
//
// Input (stdin): one JSON object per line:
//
//	{"template": "...", "data": <JSON>, "name": "stringTemplate", "missingkey": "error",
//	 "helpers": ["{{define ...}}", ...]}
//
// JSON numbers written without '.', 'e' or 'E' decode as int, others as float64.
// Output (stdout): one JSON object per line: {"out": "..."} or {"err": "..."}.
//
// tmplref --signatures prints Sprig's function arities as a Lua table body
// (name = { parameters, variadic }), the source of lua/hfl/tmpl/arity.lua.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig"
)

type request struct {
	Template   string          `json:"template"`
	Data       json.RawMessage `json:"data"`
	Name       string          `json:"name"`
	MissingKey string          `json:"missingkey"`
	Helpers    []string        `json:"helpers"`
}

type response struct {
	Out *string `json:"out,omitempty"`
	Err *string `json:"err,omitempty"`
}

// typed converts json.Number values to int or float64 by their spelling.
func typed(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		s := x.String()
		if !strings.ContainsAny(s, ".eE") {
			if i, err := x.Int64(); err == nil {
				return int(i)
			}
		}
		f, _ := x.Float64()
		return f
	case map[string]interface{}:
		for k, e := range x {
			x[k] = typed(e)
		}
		return x
	case []interface{}:
		for i, e := range x {
			x[i] = typed(e)
		}
		return x
	}
	return v
}

func funcs(t **template.Template, missing string) template.FuncMap {
	f := sprig.TxtFuncMap()
	f["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		if err := (*t).ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		var inner *template.Template
		inner = template.New("stringTemplate").Funcs(funcs(&inner, missing)).Option("missingkey=" + missing)
		if _, err := inner.Parse(text); err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := inner.Execute(&buf, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	return f
}

func render(req request) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	name := req.Name
	if name == "" {
		name = "stringTemplate"
	}
	missing := req.MissingKey
	if missing == "" {
		missing = "error"
	}
	var data interface{}
	if len(req.Data) > 0 {
		dec := json.NewDecoder(bytes.NewReader(req.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil {
			return "", fmt.Errorf("oracle: bad data: %v", err)
		}
		data = typed(data)
	}
	var t *template.Template
	t = template.New(name).Funcs(funcs(&t, missing)).Option("missingkey=" + missing)
	for i, h := range req.Helpers {
		if _, err := t.New(fmt.Sprintf("_helper%d.tpl", i)).Parse(h); err != nil {
			return "", err
		}
	}
	if _, err := t.New(name).Parse(req.Template); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return buf.String(), nil
}

func signatures() {
	f := sprig.TxtFuncMap()
	names := make([]string, 0, len(f))
	for name := range f {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := reflect.TypeOf(f[name])
		types := ""
		for i := 0; i < t.NumIn(); i++ {
			in := t.In(i)
			if t.IsVariadic() && i == t.NumIn()-1 {
				in = in.Elem()
			}
			types += fmt.Sprintf(" %q,", in.String())
		}
		fmt.Printf("  [%q] = { %d, %v,%s },\n", name, t.NumIn(), t.IsVariadic(), types)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--signatures" {
		signatures()
		return
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		var req request
		var resp response
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			msg := "oracle: bad request: " + err.Error()
			resp.Err = &msg
		} else if out, err := render(req); err != nil {
			msg := err.Error()
			resp.Err = &msg
		} else {
			resp.Out = &out
		}
		enc.Encode(resp)
	}
}
