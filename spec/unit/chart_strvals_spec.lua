-- hfl.chart.strvals and the --set* flags of the native renderer, against the real helm 3 and
-- helm 4: each case renders a tiny chart printing `toJson .Values` and `toYaml .Values` with
-- both helms and natively. A case helm renders must come out byte for byte the same; a case
-- helm refuses must be left to helm (nil and a reason), never rendered.
local chart = require "hfl.chart"
local strvals = require "hfl.chart.strvals"
local proc = require "hfl.proc"
local value = require "hfl.value"

local HELMS = { ["3"] = ".deps/bin/helm3", ["4"] = ".deps/bin/helm4" }

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function tempdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p " .. dir .. "/tiny/templates") == 0)
  return dir
end

local CHART_YAML = "apiVersion: v2\nname: tiny\nversion: 0.1.0\n"
local VALUES_YAML = "base: 1\nbig: 2000000\nnested:\n  keep: yes\n  gone: x\nlist: [1, 2]\nempty: ~\n"
local TEMPLATE = [[
apiVersion: v1
kind: ConfigMap
metadata:
  name: tiny
data:
  json: {{ toJson .Values | quote }}
  yaml: |
{{ toYaml .Values | indent 4 }}
  printed: {{ .Values | quote }}
]]

local function helm_template(v, chartdir, args)
  local argv = { HELMS[v], "template", "r", chartdir, env = { KUBECONFIG = "/dev/null/none" } }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  local res = assert(proc.run(argv))
  return res.code == 0 and res.stdout or nil, res.stderr
end

local function native(v, chartdir, args)
  local argv = { "helm", "template", "r", chartdir }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return chart.template_argv(argv, v)
end

describe("hfl.chart --set flags #unit", function()
  local dir, chartdir
  setup(function()
    dir = tempdir()
    chartdir = dir .. "/tiny"
    write(chartdir .. "/Chart.yaml", CHART_YAML)
    write(chartdir .. "/values.yaml", VALUES_YAML)
    write(chartdir .. "/templates/cm.yaml", TEMPLATE)
    write(dir .. "/cert.pem", "-----BEGIN-----\nabc, def\n-----END-----\n")
    write(dir .. "/plain.txt", "one=1")
    write(dir .. "/over.yaml", "nested:\n  keep: no\nlist: [3]\n")
  end)
  teardown(function() os.execute("rm -rf " .. dir) end)

  -- {args…}; "@" in an argument stands for the temp directory
  local cases = {
    { "--set", "x=1000000,y=0x10,z=007,t=TRUE,f=False,n=null,fl=1.5,neg=-3,plus=+4,zero=0,mzero=-0" },
    { "--set", "edge=9007199254740991,nedge=-9007199254740991,over=9223372036854775808" },
    { "--set", "a[0].b=1", "--set", "a[2]=x" },
    { "--set", "a[0].b=" },
    { "--set", "list[3]=9" },
    { "--set", "list[1]=null" },
    { "--set", "nested.keep=null,nested.new=v" },
    { "--set", "a.b.c={1,b,true}" },
    { "--set", "a={x,y},b=1" },
    { "--set", "a={}" },
    { "--set", "a=b=c" },
    { "--set", "a\\.b=1,c\\,d=2,e=f\\,g" },
    { "--set", "a=", "--set", "c=d" },
    { "--set", "a[0][1]=2" },
    { "--set", "a[0]" },
    { "--set", ".a=1,=3" },
    { "--set", "a[1].b=1,a[0]=z" },
    { "--set", "x=ſalse" },
    { "--set=x=5", "--set-string=x=6" },
    { "--set-string", "x=10,y=true,z=null" },
    { "--set-string", "a[1]=07" },
    { "--set-json", 'a={"x":[1,2.5,1e6,-0.0]},b=3' },
    { "--set-json", 'a= ,b=1' },
    { "--set-json", 'a=[1, {"k": null}] , b="s\\u00e9\\ud83d\\ude00"' },
    { "--set-json", 'a="\\ud800x",b="\\ufffd"' },
    { "--set-json", '{"a":{"b":1},"nested":{"keep":true}}' },
    { "--set-json", 'list[1]={"k":"v"}' },
    { "--set-literal", "a.b=c,d=e\\,f" },
    { "--set-literal", "x=1", "--set", "x=2" },
    { "--set", "base=ok", "--set-json", "base=7" },
    { "--set-file", "cert=@/cert.pem,plain=@/plain.txt" },
    { "--set-file", "files={@/cert.pem,@/plain.txt}" },
    { "--set", "nested.keep=1", "--values", "@/over.yaml" },
    { "--values", "@/over.yaml", "--set", "list[2]=4" },
    -- what helm refuses: left to helm
    { "--set", "a.=1" },
    { "--set", "b" },
    { "--set", "a[65537]=1" },
    { "--set", "a[-1]=1" },
    { "--set", "a={x,y}z" },
    { "--set", "a={x,y" },
    { "--set", "base.x=1" },
    { "--set", "empty.x=1" },
    { "--set", "nested[0]=1" },
    { "--set-json", "a=tru" },
    { "--set-json", "a={\"x\":1" },
    { "--set-file", "x=@/missing.txt" },
    { "--set", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee=1" },
  }
  for _, v in ipairs { "3", "4" } do
    describe("against helm " .. v, function()
      for _, case in ipairs(cases) do
        it("renders " .. table.concat(case, " ") .. " as helm does", function()
          local args = {}
          for i, a in ipairs(case) do args[i] = a:gsub("@", dir) end
          local want, stderr = helm_template(v, chartdir, args)
          local got, why = native(v, chartdir, args)
          if want then
            assert.is_nil(why)
            assert.are.equal(want, got)
          else
            assert.is_nil(got, "helm failed (" .. stderr .. ") but hfl rendered it")
            assert.is_string(why)
          end
        end)
      end
    end)
  end

  describe("an integer from --set", function()
    local function with_template(text, fn)
      local d = tempdir()
      write(d .. "/tiny/Chart.yaml", CHART_YAML)
      write(d .. "/tiny/templates/t.yaml", text)
      local ok, err = pcall(fn, d .. "/tiny")
      os.execute("rm -rf " .. d)
      assert(ok, err)
    end

    it("prints as an integer, compares with an int and computes as helm does", function()
      with_template("a: {{ .Values.n }}\nb: {{ eq .Values.n 1000000 }}\nc: {{ add .Values.n 1 }}\n"
        .. "d: {{ if .Values.z }}yes{{ else }}no{{ end }}\ne: {{ .Values.n | toString | quote }}\n"
        .. "f: {{ gt .Values.n 5 }}\ng: {{ printf \"%d\" .Values.n }}\n", function(c)
        for _, v in ipairs { "3", "4" } do
          local args = { "--set", "n=1000000,z=0" }
          local want = assert(helm_template(v, c, args))
          assert.are.equal(want, native(v, c, args))
        end
      end)
    end)

    it("is an int64 to Go's type names and int parameters, as in helm", function()
      for _, text in ipairs { "k: {{ kindOf .Values.n }}\n", "k: {{ kindIs \"int\" .Values.n }}\n",
        "k: {{ kindIs \"int64\" .Values.n }}\n", "k: {{ typeOf .Values.n }} {{ typeOf .Values.z }}\n",
        "k: {{ printf \"%T %T\" .Values.n (int .Values.n) }}\n", "k: {{ typeIsLike \"int64\" .Values.n }}\n",
        "k: {{ if or (typeIs \"int\" .Values.n) (typeIs \"float64\" .Values.n) }}number{{ else }}other{{ end }}\n",
        "k: {{ if .Values.z }}yes{{ else }}no{{ end }} {{ .Values.z | default 5 }} {{ empty .Values.z }}\n",
        "k: {{ index (list \"a\" \"b\" \"c\") .Values.n }} {{ mul .Values.n 3 }} {{ max .Values.n 7 }}\n",
        "k: {{ has \"2\" (list .Values.n) }}\n" } do
        with_template(text, function(c)
          for _, v in ipairs { "3", "4" } do
            local want = assert(helm_template(v, c, { "--set", "n=2,z=0" }))
            local got, why = native(v, c, { "--set", "n=2,z=0" })
            assert.is_nil(why, text)
            assert.are.equal(want, got)
          end
        end)
      end
    end)

    it("beyond 2^53 is left to helm (hfl's arithmetic is exact to 2^53 only)", function()
      local got, why = native("3", chartdir, { "--set", "big=9223372036854775807" })
      assert.is_nil(got)
      assert.matches("2^53", why, 1, true)
    end)

    it("is refused by an int parameter, so helm reports it", function()
      for _, text in ipairs { "k: {{ trunc .Values.n \"abcdef\" }}\n", "k: {{ \"abc\" | repeat .Values.n }}\n",
        "k: {{ range until .Values.n }}x{{ end }}\n" } do
        with_template(text, function(c)
          assert.is_nil((helm_template("3", c, { "--set", "n=2" })))
          local got, why = native("3", c, { "--set", "n=2" })
          assert.is_nil(got, text)
          assert.matches("wrong type for value; expected int; got int64", why, 1, true)
        end)
      end
    end)

    it("is not equal to an int for reflect.DeepEqual (deepEqual, has, without, uniq), as in helm", function()
      with_template("k: {{ deepEqual .Values.n 2 }} {{ deepEqual .Values.n .Values.m }} {{ has 2 (list .Values.n) }}\n"
        .. "l: {{ without (list .Values.n .Values.m) 2 | toJson }}\nu: {{ uniq (list .Values.n 2 .Values.m) | toJson }}\n"
        .. "m: {{ has .Values.m (list .Values.n) }} {{ eq .Values.n 2 }}\n", function(c)
        for _, v in ipairs { "3", "4" } do
          local want = assert(helm_template(v, c, { "--set", "n=2,m=2" }))
          local got, why = native(v, c, { "--set", "n=2,m=2" })
          assert.is_nil(why)
          assert.are.equal(want, got)
        end
      end)
    end)

    it("keeps rendering natively where the chart only uses constant ints", function()
      with_template('{{/* a comment with "{{" braces, until and typeOf */}}\nk: {{ kindIs "map" .Values }}\n'
        .. 't: {{ trunc 3 "abcdef" }}\nn: {{ .Values.n | quote | nindent 2 }}\n'
        .. 'm: {{ eq (typeOf .Values.n) "map[string]interface {}" }}\nu: {{ range until (int .Values.n) }}x{{ end }}\n'
        .. 'l: {{ .Values.n | int | until | len }}\n', function(c)
        for _, v in ipairs { "3", "4" } do
          local want = assert(helm_template(v, c, { "--set", "n=2" }))
          assert.are.equal(want, native(v, c, { "--set", "n=2" }))
        end
      end)
    end)
  end)

  it("answers getHostByName with \"\" as helm does without --enable-dns", function()
    local d = tempdir()
    write(d .. "/tiny/Chart.yaml", CHART_YAML)
    write(d .. "/tiny/templates/t.yaml", 'ip: {{ getHostByName "localhost" | quote }}\n')
    for _, v in ipairs { "3", "4" } do
      local want = assert(helm_template(v, d .. "/tiny", {}))
      assert.are.equal(want, native(v, d .. "/tiny", {}))
      local got, why = native(v, d .. "/tiny", { "--enable-dns" })
      assert.is_nil(got)
      assert.matches("--enable%-dns", why)
    end
    os.execute("rm -rf " .. d)
  end)

  describe("strvals.apply()", function()
    it("leaves a line that is not UTF-8 to helm", function()
      local got, why = strvals.apply(value.map(), "a=\255", "set", "3")
      assert.is_nil(got)
      assert.matches("UTF%-8", why)
    end)

    it("leaves --set-file from stdin or a URL to helm", function()
      for _, line in ipairs { "a=-", "a=https://example.com/x", "a=file:///etc/hostname" } do
        local got, why = strvals.apply(value.map(), line, "file", "3")
        assert.is_nil(got, line)
        assert.is_string(why)
      end
    end)
  end)
end)
