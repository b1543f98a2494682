// Runs the BSI/Secvisogram CSAF validator (@secvisogram/csaf-validator-lib) on one CSAF 2.0
// document: the strict schema test, every mandatory test (6.1.x) and every optional test
// (6.2.x). Informative tests (6.3.x) are left out: some of them query the network or need
// hunspell. Prints one JSON object: {"<test name>": {"errors": [...], "warnings": [...]}}.
//
// usage: node csaf.mjs <node_modules dir> <document.json>
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [modules, documentPath] = process.argv.slice(2)
const lib = join(modules, '@secvisogram', 'csaf-validator-lib')
const load = (name) => import(pathToFileURL(join(lib, name)).href)
const schema = await load('schemaTests.js')
const mandatory = await load('mandatoryTests.js')
const optional = await load('optionalTests.js')
const validateStrict = (await load('validateStrict.js')).default

const document = JSON.parse(readFileSync(documentPath, 'utf8'))
const tests = [schema.csaf_2_0_strict, ...Object.values(mandatory), ...Object.values(optional)]
const out = {}
for (const test of tests) {
  const result = await validateStrict([test], document)
  const pick = (items) => items.map((i) => `${i.instancePath}: ${i.message}`)
  out[test.name] = {
    kind: test.name.startsWith('optional')
      ? 'optional'
      : test.name.startsWith('mandatory')
        ? 'mandatory'
        : 'schema',
    errors: pick(result.tests.flatMap((t) => t.errors)),
    warnings: pick(result.tests.flatMap((t) => t.warnings)),
  }
}
console.log(JSON.stringify(out, null, 1))
