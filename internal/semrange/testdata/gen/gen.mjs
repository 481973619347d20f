// Writes ../npm-answers.json: npm semver's verdict on every range, version
// and (range, version) pair in ../corpus.json, with default options.
// Run: npm ci && node gen.mjs
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import semver from 'semver'

const here = new URL('.', import.meta.url)
const corpus = JSON.parse(readFileSync(new URL('../corpus.json', here), 'utf8'))
const { version } = createRequire(import.meta.url)('semver/package.json')

// The registry's strict form: what npm parses, minus the "v" prefix and
// surrounding whitespace that npm's parser tolerates.
const strict = (s) => semver.parse(s) !== null && s === s.trim() && !s.startsWith('v')

for (const v of corpus.versions) {
  if (!strict(v)) throw new Error(`corpus version ${JSON.stringify(v)} is not a strict semver`)
}

const ranges = corpus.ranges.map((range) => ({
  range,
  validRange: semver.validRange(range),
  satisfies: corpus.versions.filter((v) => semver.satisfies(v, range)),
  maxSatisfying: semver.maxSatisfying(corpus.versions, range),
}))
const versionStrings = corpus.versionStrings.map((v) => ({ version: v, strict: strict(v) }))

// One entry per line keeps the file reviewable and its diffs small.
const lines = (xs) => xs.map((x) => '  ' + JSON.stringify(x)).join(',\n')
writeFileSync(new URL('../npm-answers.json', here), `{
 "semver": ${JSON.stringify(version)},
 "versions": ${JSON.stringify(corpus.versions)},
 "ranges": [
${lines(ranges)}
 ],
 "versionStrings": [
${lines(versionStrings)}
 ]
}
`)
console.log(`semver ${version}: ${ranges.length} ranges x ${corpus.versions.length} versions, ${versionStrings.length} version strings`)
