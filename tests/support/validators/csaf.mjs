// Runs the BSI/Secvisogram CSAF validator (@secvisogram/csaf-validator-lib) on CSAF 2.0
// documents (one node process for all: loading the library is what takes time): the strict schema test, every mandatory test (6.1.x) and every optional test
// (6.2.x), called as the library's validate.js calls them. Informative tests (6.3.x) are
// left out: some of them query the network or need hunspell. Prints one JSON object:
// {"<test name>": {"kind": ..., "valid": ..., "errors": [...], "warnings": [...]}}.
//
// usage: node csaf.mjs <node_modules dir> <document.json>
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [modules, ...documents] = process.argv.slice(2)
const lib = join(modules, '@secvisogram', 'csaf-validator-lib')
const load = (name) => import(pathToFileURL(join(lib, name)).href)
const schema = await load('schemaTests.js')
const mandatory = await load('mandatoryTests.js')
const optional = await load('optionalTests.js')

const tests = [schema.csaf_2_0_strict, ...Object.values(mandatory), ...Object.values(optional)]
const pick = (items) => (items ?? []).map((i) => `${i.instancePath}: ${i.message}`)
const reports = []
for (const path of documents) {
  const document = JSON.parse(readFileSync(path, 'utf8'))
  const out = {}
  for (const test of tests) {
    // Each test is the library's own function, called as its validate() calls it (the module
    // validateStrict.js only adds a check that the test is the library's, and loads every
    // other module too, which costs seconds).
    const result = await test(document)
    out[test.name] = {
      kind: test.name.startsWith('optional')
        ? 'optional'
        : test.name.startsWith('mandatory')
          ? 'mandatory'
          : 'schema',
      valid: typeof result.isValid === 'boolean' ? result.isValid : true,
      errors: pick(result.errors),
      warnings: pick(result.warnings),
    }
  }
  reports.push(out)
}
console.log(JSON.stringify(reports, null, 1))
