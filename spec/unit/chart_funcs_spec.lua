-- hfl.chart: Helm's toToml, fromToml, toYamlPretty, .Files.GetBytes and objects printed whole,
-- rendered natively and compared byte for byte with what helm 3.17.3 and 4.1.4 print in the
-- same run (spec/fixtures/charts/funcs, and charts written here case by case).
local chart = require "hfl.chart"
local proc = require "hfl.proc"
local toml = require "hfl.chart.toml"
local hyaml = require "hfl.chart.yaml"

local FIX = "spec/fixtures/charts/funcs"
local HELMS = { ["3"] = ".deps/bin/helm3", ["4"] = ".deps/bin/helm4" }

local function helm_template(v, dir, args)
  local argv = { HELMS[v], "template", "rel", dir, "--namespace", "ns", env = { KUBECONFIG = "/dev/null/none" } }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  local res = assert(proc.run(argv))
  assert.are.equal(0, res.code, res.stderr)
  return res.stdout
end

local function native(v, dir, args)
  local argv = { "helm", "template", "rel", dir, "--namespace", "ns" }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  return chart.template_argv(argv, v)
end

-- A chart in a temp directory: files maps a path to its text.
local function with_chart(files, fn)
  local dir = os.tmpname()
  os.remove(dir)
  local all = { ["Chart.yaml"] = "apiVersion: v2\nname: c\nversion: 0.1.0\n" }
  for path, text in pairs(files) do all[path] = text end
  for path, text in pairs(all) do
    assert(os.execute("mkdir -p '" .. (dir .. "/" .. path):match("^(.*)/") .. "'") == 0)
    local f = assert(io.open(dir .. "/" .. path, "w"))
    f:write(text)
    f:close()
  end
  local ok, err = pcall(fn, dir)
  os.execute("rm -rf '" .. dir .. "'")
  assert(ok, err)
end

local function yaml_list(items)
  local out = {}
  for i, s in ipairs(items) do out[i] = "  - " .. hyaml.encode(s):gsub("\n", "\n    ") end
  return table.concat(out, "\n") .. "\n"
end

-- TOML documents fromToml reads natively, in the forms of TOML 1.0.
local VALID = {
  'a = 1\nb = -17\nc = +99\nd = 1_000\ne = 0xDEAD_beef\nf = 0o755\ng = 0b1101\nh = 9223372036854775807\ni = -9223372036854775808',
  'f1 = 1.0\nf2 = 3.1415\nf3 = -0.01\nf4 = 5e+22\nf5 = 1e06\nf6 = -2E-2\nf7 = 6.626e-34\nf8 = 224_617.445_991_228\nf9 = -0.0\nf10 = 0.1e-400\nf11 = -1e-400',
  'i = inf\nj = -inf\nk = +inf',
  's1 = "tab\\t quote\\" back\\\\ \\u00e9 \\U0001F600 \\b\\f\\r\\n"\ns2 = \'C:\\Users\\x\'\ns3 = """\nRoses\nViolets"""',
  's4 = """\\\n    The quick \\\n    fox.\\\n    """\ns5 = \'\'\'\nfirst\n  kept\n\'\'\'\ns6 = """two "" quotes"""\ns7 = """""five""""\ns8 = \'\'\'\'\'x\'\'\'\'\'',
  'a = [ 1, 2, ]\nb = [ [1, "a"], [], [ {x = 1} ] ]\nc = [\n  1, # one\n  2\n]\nd = [ { x = 1, y = 2 }, { x = 3 } ]',
  '"quoted key" = 1\n\'lit.key\' = 2\n"" = 3\ndotted.a.b = 3\ndotted.a.c = 4\nsite."google.com" = true',
  'inline = { first = "Tom", last.name = "P", nest = { a = 1 } }\nempty = {}',
  '[table-1]\nkey = "v"\n[ dog . "tater.man" ]\ntype.name = "pug"\n[x.y.z.w]\n[x]\nq = 1',
  '[[products]]\nname = "Hammer"\n[[products]]\n[[products]]\nname = "Nail"\n[[fruits]]\nname = "apple"\n[fruits.physical]\ncolor = "red"\n[[fruits.varieties]]\nname = "red"\n[[fruits]]\nname = "banana"',
  '',
  '# only a comment\n\n  \t\n',
  'a = 1\r\nb = "x"\r\n[t]\r\nc = 2\r\n',
  'a.b = 1\n[a.c]\nd = 2',
}

-- Documents helm reads with an Error key (TOML errors): the native decoder refuses them.
local INVALID = {
  'a = 1\na = 2', '[a]\n[a]', 'a = 01', 'a = 1__0', 'a = 9223372036854775808', "a = 'x\ny'",
  '[[a]]\n[a]', 'a = [1,2]\n[[a]]', 'a = 1.e5', 'a = .5', 'a = 1.', 'a = 1 b = 2', '= 1', 'a = ',
  'a = "\\q"', 'a = "\\uD800"', 'a = tru', 'a = [1 2]', '[a', 'a = """x', "a = 'x", 'a = 0x', 'a = -0x1',
  'a = 1e', 'a = "\1"', 'a = 1\rb = 2', 'a = 1_', 'a = _1', 'a = 1.5_', 'x = 00.5',
}

-- Documents the native decoder leaves to helm although helm reads them: datetimes (Go's
-- time.Time), nan, TOML 1.1 forms helm 4 accepts, tables helm lets a dotted key extend.
local LEFT_TO_HELM = {
  'a = 1979-05-27T07:32:00Z', 'a = 1979-05-27', 'a = 07:32:00', 'a = nan', 'a = {x = 1,}',
  'a = "\\e"', 'a = {x=1}\na.y = 2', 'a.b = 1\n[a]', 'a = {\n x = 1 }',
}

describe("hfl.chart functions #unit", function()
  for _, v in ipairs { "3", "4" } do
    describe("against helm " .. v, function()
      for _, args in ipairs { {}, { "--values", FIX .. "/ci/shapes-values.yaml" } } do
        it("renders the funcs fixture natively as helm does" .. (#args > 0 and " with " .. args[2] or ""), function()
          local want = helm_template(v, FIX, args)
          local got, why = native(v, FIX, args)
          assert.is_nil(why)
          assert.are.equal(want, got)
        end)
      end

      it("reads every valid TOML document with fromToml as helm does", function()
        local tpl = '{{- range $i, $d := .Values.docs }}\n{{- $m := fromToml $d }}\n'
          .. 'v{{ $i }}: {{ printf "%v" $m | quote }}\njson{{ $i }}: {{ toJson (omit $m "i" "j" "k") | quote }}\n'
          .. 'toml{{ $i }}: |\n{{ toToml $m | indent 2 }}\n  .\n'
          -- (arrays of tables are []map[string]interface {} in Go: not modelled)
          .. 'types{{ $i }}: "{{ range $k, $x := $m }}{{ if not (kindIs "slice" $x) }}{{ $k }}:{{ typeOf $x }}/{{ kindOf $x }}/{{ printf "%T" $x }};{{ end }}{{ end }}"\n'
          .. 'eq{{ $i }}: "{{ range $k, $x := $m }}{{ if kindIs "int64" $x }}{{ eq $x 0 }} {{ if $x }}t{{ end }};{{ end }}{{ end }}"\n'
          .. '{{- end }}\n'
        with_chart({ ["values.yaml"] = "docs:\n" .. yaml_list(VALID), ["templates/t.yaml"] = tpl }, function(dir)
          local want = helm_template(v, dir)
          local got, why = native(v, dir)
          assert.is_nil(why)
          assert.are.equal(want, got)
        end)
      end)

      it("leaves TOML helm reports as an error, and datetimes, to helm", function()
        local tpl = '{{- range $i, $d := .Values.bad }}\ne{{ $i }}: {{ (fromToml $d).Error | quote }}\n{{- end }}\n'
          .. '{{- range $i, $d := .Values.left }}\nl{{ $i }}: {{ fromToml $d | len }}\n{{- end }}\n'
        local values = "bad:\n" .. yaml_list(INVALID) .. "left:\n" .. yaml_list(LEFT_TO_HELM)
        with_chart({ ["values.yaml"] = values, ["templates/t.yaml"] = tpl }, function(dir)
          local out = helm_template(v, dir)
          for i = 1, #INVALID do
            assert.matches("\ne" .. (i - 1) .. ': "toml: ', out, 1, true)
          end
          local got, why = native(v, dir)
          assert.is_nil(got)
          assert.matches("fromToml", why)
        end)
        for _, d in ipairs(INVALID) do assert.is_nil((toml.decode(d)), d) end
        for _, d in ipairs(LEFT_TO_HELM) do assert.is_nil((toml.decode(d)), d) end
      end)

      it("prints helm 3's .Chart with maintainers only through helm (their addresses)", function()
        local files = {
          ["Chart.yaml"] = "apiVersion: v2\nname: c\nversion: 0.1.0\nmaintainers:\n  - name: me\n",
          ["templates/t.yaml"] = "# {{ .Chart }}\nname: {{ toJson .Chart | quote }}\n",
        }
        with_chart(files, function(dir)
          local got, why = native(v, dir)
          if v == "3" then
            assert.is_nil(got)
            assert.matches("Go pointer", why)
          else
            assert.are.equal(helm_template(v, dir), got)
          end
        end)
      end)

      it("renders the top-level object used as a dict key (bitnami's envoy-gateway) unless its text is printed", function()
        local files = { ["values.yaml"] = "a: {x: 1}\nb: {y: 2}\n", ["templates/t.yaml"] = '{{- $d := dict "value" .Values.a .Values.b "context" $ }}\nn: {{ len $d }}\n' }
        with_chart(files, function(dir)
          assert.are.equal(helm_template(v, dir), (native(v, dir)))
        end)
        files["templates/t.yaml"] = '{{- $d := dict "value" .Values.a .Values.b "context" $ }}\nn: {{ keys $d | sortAlpha | toJson | quote }}\n'
        with_chart(files, function(dir)
          local got, why = native(v, dir)
          assert.is_nil(got)
          assert.matches("Go pointer", why)
        end)
      end)
    end)
  end

  describe(".Files.GetBytes", function()
    -- each line passes the []byte somewhere Go treats it in ways not modelled (or as an error)
    local misuses = {
      "{{ toJson $b }}", "{{ toYaml $b }}", "{{ toYamlPretty $b }}", "{{ default \"x\" $b }}",
      "{{ empty $b }}", "{{ index $b 0 }}", "{{ range $b }}{{ . }}{{ end }}", "{{ b64enc $b }}",
      "{{ $b | b64enc }}", "{{ eq $b $b }}", "{{ list $b }}", "{{ dict \"a\" $b }}", "{{ indent 2 $b }}",
      "{{ .Files.Get $b }}", "{{ printf \"%5v\" $b }}", "{{ printf \"%#v\" $b }}", "{{ kindOf $b }}",
      "{{ .Files.GetBytes \"files/empty.txt\" }}", "{{ .Files.GetBytes \"missing\" }}", "{{ $b.Foo }}",
      "{{ .Capabilities.APIVersions.Has $b }}", "{{ append (list) $b }}", "{{ len }}",
    }
    for _, line in ipairs(misuses) do
      it("leaves " .. line .. " to helm", function()
        local files = {
          ["files/a.txt"] = "hi", ["files/empty.txt"] = "",
          ["templates/t.yaml"] = '{{- $b := .Files.GetBytes "files/a.txt" }}\n# ' .. line .. "\n",
        }
        with_chart(files, function(dir)
          local got, why = native("4", dir)
          assert.is_nil(got)
          assert.is_string(why)
        end)
      end)
    end
  end)

  describe("hfl.chart.toml", function()
    it("writes floats as each helm's BurntSushi/toml does (v1.4.0 'f', v1.6.0 'g')", function()
      local value = require "hfl.value"
      local m = value.map { a = value.float(1e6), b = 0.5, c = value.float(1), d = 1e-7 }
      with_chart({ ["templates/t.yaml"] = 'x: |\n{{ toToml (dict "a" 1e6 "b" 0.5 "c" 1.0 "d" 1e-7) | indent 2 }}\n' }, function(dir)
        for _, v in ipairs { "3", "4" } do
          local want = helm_template(v, dir):match("x: |\n(.*)$")
          local got = "  " .. toml.encode(m, v):gsub("\n", "\n  ")
          -- helm trims the document's trailing white space
          assert.are.equal((want:gsub("%s+$", "")), (got:gsub("%s+$", "")))
        end
      end)
    end)

    it("returns the encoder's error text as helm's toToml does", function()
      local value = require "hfl.value"
      assert.are.equal("toml: cannot encode array with nil element", toml.encode(value.list { 1, value.null }, "3"))
      assert.are.equal("toml: top-level values must be Go maps or structs",
        toml.encode(value.list { value.map { a = 1 } }, "4"))
    end)
  end)
end)
