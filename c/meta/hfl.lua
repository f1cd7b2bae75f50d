---@meta
-- Editor stub for the public Lua API, `local hfl = require "hfl"` (lua/hfl/init.lua,
-- lua/hfl/state/init.lua). .luarc.json at the root points LuaLS here, so `hfl.` completes.
-- Failures a user can cause return nil, err ("file:line: what"); misuse raises.

---@class hfl
---@field version string                 "x.y.z"
---@field null hfl.Null                  the YAML/JSON null (Lua tables cannot hold nil)
---@field value hfl.ValueLib             maps, lists and null of the values model
---@field yaml hfl.YamlLib               YAML decode / encode / merge as Helm reads them
---@field tmpl hfl.TmplLib               Go text/template with sprig and Helmfile's functions
---@field session hfl.SessionLib         one run's context (helm binary, kube context, concurrency…)
local hfl = {}

---@class hfl.Null

---@class hfl.ValueLib
---@field null hfl.Null
---@field map fun(t?: table): table      marks t as a map (kept a map when empty)
---@field list fun(t?: table): table     marks t as a list
---@field kind fun(v: any): "null"|"bool"|"int"|"float"|"string"|"map"|"list"|string
---@field keys fun(m: table): string[]   a map's keys in their order
---@field copy fun(v: any): any          a deep copy
---@field equal fun(a: any, b: any): boolean

---@class hfl.YamlLib
---@field decode fun(text: string, opts?: {filename?: string}): any, string?
---@field decode_all fun(text: string, opts?: {filename?: string}): any[]|nil, string?
---@field encode fun(value: any, opts?: table): string
---@field merge fun(base: table, override: table): table

---@class hfl.TmplLib
---@field render fun(text: string, data: any, opts?: {name?: string, funcs?: table<string, function>}): string|nil, string?

---@class hfl.SessionLib
---@field new fun(opts?: hfl.SessionOptions): table

---@class hfl.SessionOptions
---@field helm_binary? string
---@field kubectl_binary? string
---@field concurrency? integer
---@field kube_context? string
---@field kubeconfig? string
---@field skip_refresh? boolean
---@field skip_deps? boolean

---@class hfl.LoadOptions: hfl.SessionOptions
---@field file? string                    helmfile.yaml(.gotmpl), helmfile.lua or helmfile.d/ (default: found in cwd)
---@field environment? string             default "default"
---@field selectors? string|string[]      "tier=db", "name!=web,team=core"
---@field state_values? table|string[]    a map, or "k=v" strings as --state-values-set
---@field state_values_set? string|string[]
---@field state_values_set_string? string|string[]
---@field state_values_files? string|string[]
---@field namespace? string
---@field chart? string
---@field cwd? string
---@field reverse? boolean
---@field hints? boolean                  a second line of advice on template errors (default true)
---@field session? table                  a Session (hfl.session.new); made from the options above when nil
---@field log? table                      {debug=, info=, warn=, error=} functions

--- Loads the states of a helmfile (and its sub-helmfiles) for one environment.
---@param opts? hfl.LoadOptions|string   a table, or the file name
---@return hfl.State|nil st, string|nil err
function hfl.load(opts) end

---@class hfl.Release
---@field name string
---@field namespace string
---@field chart string
---@field version? string
---@field labels table<string, string>
---@field needs? string[]
---@field installed? boolean
---@field kubeContext? string

---@class hfl.DeployOptions  the command's flags with "-" -> "_", plus the API's own
---@field dry_run? boolean
---@field plan_file? string
---@field from_plan? string
---@field full_diff? boolean
---@field three_way? boolean
---@field prune? boolean
---@field report? string
---@field resume? string
---@field skip_diff_on_install? boolean
---@field wait? boolean
---@field timeout? integer                seconds
---@field set? string[]
---@field values? string[]
---@field selectors? string[]
---@field confirm? fun(plan_text: string, diff_text: string): boolean
---@field on_event? fun(kind: string, node: table, info: table)
---@field on_release_start? fun(release: hfl.Release, node: table)
---@field on_release_done? fun(release: hfl.Release, node: table, result: {result: string, error: string|nil, duration: number})
---@field on_hook? fun(event: string, release: hfl.Release|nil, ok: boolean, err: string|nil)
---@field cancelled? fun(): boolean

---@class hfl.State
---@field environment string
---@field selectors string[]
---@field session table
local State = {}

--- Every release of every state, in processing order (condition-off ones only with opts.all).
---@param opts? {all?: boolean}
---@return hfl.Release[]
function State:releases(opts) end

--- The releases the selectors pick ("tier=db", …; none: the load-time selectors).
---@param ... string
---@return hfl.Release[]|nil releases, string|nil err
function State:select(...) end

--- The needs graph in batches: each batch's releases may run at once.
---@param opts? {selectors?: string[], include_needs?: boolean, include_transitive_needs?: boolean, reverse?: boolean}
---@return hfl.Release[][]|nil batches, string|nil err
function State:dag(opts) end

--- The rendered state as `hfl build` prints it; the OCI and go-getter charts of the selected
--- releases are pulled first, as Helmfile does (their place is `chartPath:`) unless pull = false.
---@param opts? {embed_values?: boolean, hooks?: boolean, pull?: boolean}
---@return string|nil text, string|nil err, boolean matched
function State:build(opts) end

--- The rows of `hfl list`.
---@param opts? {hooks?: boolean}
---@return table[]|nil rows, string|nil err
function State:list(opts) end

--- Each selected release's merged values written to a file (`hfl write-values`).
---@return table[]|nil written, string|nil err
function State:write_values(opts) end

--- The manifests of every selected release (`hfl template`), in plan order.
---@param opts? table  the flags of `hfl template` (output_dir, include_crds, skip_tests, set, values…)
---@return table[]|nil rendered {release=, manifest=}, string|nil err, table[]|nil partial
function State:template(opts) end

--- `helm lint` of every selected release.
---@return table[]|nil linted {release=, output=}, string|nil err, table[]|nil partial
function State:lint(opts) end

--- Desired vs deployed per release and resource (`hfl diff`), changing nothing:
--- result.plan.items[i].changes (hfl.diff's result), result.diff_text, result.changed.
---@param opts? hfl.DeployOptions  also three_way, output, context, suppress, show_secrets
---@return table|nil result, string|nil err
function State:diff(opts) end

--- The diff reviewed by an OpenAI-compatible LLM (`hfl doctor`): result.text / result.json (the
--- report), result.analysis {summary, risks, affected_resources}, result.high_risk,
--- result.llm_error, result.secrets_redacted; with no LLM configured (result.configured false)
--- result.diff_text is what `hfl diff` prints.
---@param opts? table  st:diff's options (diff_output for its output) and llm_base_url,
---   llm_api_key, llm_model, llm_timeout ("90s" or seconds), llm_max_tokens
---@return table|nil result, string|nil err
function State:doctor(opts) end

--- What apply would do and why, per release (result.plan, result.plan_text, result.plan_json).
---@param opts? hfl.DeployOptions
---@return table|nil result, string|nil err
function State:plan(opts) end

--- Upgrades the releases that changed, uninstalls `installed: false` ones (`hfl apply`).
---@param opts? hfl.DeployOptions
---@return table|nil result {plan=, rows = {release=, namespace=, action=, reason=, result=, duration=, revision=, error=}…, changed=, failed=, errors=}, string|nil err
function State:apply(opts) end

--- Upgrades every selected release; uninstalls the `installed: false` ones that exist.
---@param opts? hfl.DeployOptions
---@return table|nil result, string|nil err
function State:sync(opts) end

--- Uninstalls every selected release that exists, dependents first.
---@param opts? hfl.DeployOptions
---@return table|nil result, string|nil err
function State:destroy(opts) end

--- `helm status` of every selected release.
---@return table[]|nil results {release=, id=, ok=, output=, error=}, string|nil err
function State:status(opts) end

--- `helm test` of every selected release.
---@param opts? {logs?: boolean, timeout?: integer}
---@return table[]|nil results, string|nil err
function State:test(opts) end

--- The environments of every state (`hfl print-env`).
---@return table[] envs {filePath=, name=, values=, kubeContext=?}
function State:environments() end

--- Downloads the chart of every selected release through the cache.
---@return table[]|nil charts, string|nil err
function State:fetch(opts) end

return hfl
