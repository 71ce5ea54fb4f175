import { describe, expect, test } from 'vitest'
import {
  type PreviewCommentContent,
  parseRunMarker,
  previewMarker,
  renderComment,
} from '../../src/github/comment.js'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const base: PreviewCommentContent = {
  name: 'web',
  state: 'deploying',
  headSha: SHA,
  run: { id: 42, attempt: 2, url: 'https://github.example/o/r/actions/runs/42/attempts/2' },
  expiresAt: new Date('2030-05-06T07:08:09Z'),
}

describe('renderComment', () => {
  test.each([
    { state: 'deploying', title: '### Preview `web` is deploying', expiry: true },
    { state: 'ready', title: '### Preview `web` is ready', expiry: true },
    { state: 'failed', title: '### Preview `web` failed to deploy', expiry: true },
    { state: 'destroyed', title: '### Preview `web` was destroyed', expiry: false },
  ] as const)('$state: title, short commit, run link, expiry', ({ state, title, expiry }) => {
    const body = renderComment({ ...base, state })

    expect(body.startsWith(`${previewMarker('web')}\n`)).toBe(true)
    expect(body).toContain(`\n${title}\n`)
    expect(body).toContain('| Commit | `0123456` |')
    expect(body).toContain(
      '| Run | [\\#42 \\(attempt 2\\)](https://github.example/o/r/actions/runs/42/attempts/2) |',
    )
    expect(body.includes('| Expires | 2030-05-06 07:08 UTC |')).toBe(expiry)
  })

  test('ready shows the URL and the extra links', () => {
    const body = renderComment({
      ...base,
      state: 'ready',
      url: 'https://pr-7.preview.example/',
      links: [
        { label: 'Console', url: 'https://pr-7.preview.example/console' },
        { label: 'API', url: 'https://api.pr-7.preview.example/v1' },
      ],
    })

    expect(body).toContain('\n**https://pr-7.preview.example/**\n')
    expect(body).toContain(
      '| Links | [Console](https://pr-7.preview.example/console) · [API](https://api.pr-7.preview.example/v1) |',
    )
  })

  test('links and the URL are not shown before the preview is ready', () => {
    const body = renderComment({
      ...base,
      url: 'https://pr-7.preview.example/',
      links: [{ label: 'Console', url: 'https://x.example/' }],
    })

    expect(body).not.toContain('preview.example')
    expect(body).not.toContain('Links')
  })

  test.each([
    {
      what: 'a script URL is shown as text, not a link',
      link: { label: 'Click', url: 'javascript:alert(1)' },
      expected: 'Click: `javascript:alert(1)`',
    },
    {
      what: 'Markdown in a label is escaped',
      link: { label: '[x](https://evil.example) <b>|', url: 'https://ok.example/' },
      expected: '[\\[x\\]\\(https://evil.example\\) \\<b\\>\\|](https://ok.example/)',
    },
    {
      what: 'parentheses, pipes and spaces in a URL are encoded',
      link: { label: 'Docs', url: 'https://ok.example/a (b)|c' },
      expected: '[Docs](https://ok.example/a%20%28b%29%7Cc)',
    },
  ])('$what', ({ link, expected }) => {
    const body = renderComment({
      ...base,
      state: 'ready',
      url: 'https://ok.example/',
      links: [link],
    })

    expect(body).toContain(`| Links | ${expected} |`)
  })

  test('a name with backticks stays inside its code span', () => {
    const body = renderComment({ ...base, name: 'a`b' })

    expect(body).toContain('### Preview ``a`b`` is deploying')
    expect(body).toContain(previewMarker('a`b'))
  })

  test('failed shows deploy output and instance logs in collapsed, fenced blocks', () => {
    const body = renderComment({
      ...base,
      state: 'failed',
      message: 'Container exited with code 1',
      deployOutput: 'step 1\n```\n</details>\n<script>alert(1)</script>\nstep 2\n',
      instanceLogs: '\u001b[31mERROR\u001b[0m boom\r\n',
    })

    expect(body).toContain('Container exited with code 1')
    expect(body).toContain(
      [
        '<details><summary>Deploy output (5 lines)</summary>',
        '',
        '````text',
        'step 1',
        '```',
        '</details>',
        '<script>alert(1)</script>',
        'step 2',
        '````',
        '',
        '</details>',
      ].join('\n'),
    )
    expect(body).toContain(
      '<details><summary>Instance logs (1 line)</summary>\n\n```text\nERROR boom\n```\n\n</details>',
    )
  })

  test('empty logs get no block', () => {
    const body = renderComment({ ...base, state: 'failed', deployOutput: '  \n', instanceLogs: '' })

    expect(body).not.toContain('<details>')
  })

  test('long logs keep their last lines and the body stays under GitHub limit', () => {
    const huge = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(200)}`).join('\n')
    const body = renderComment({ ...base, state: 'failed', deployOutput: huge, instanceLogs: huge })

    expect(body.length).toBeLessThan(65536)
    expect(body).toContain(`line 4999 ${'x'.repeat(200)}\n`)
    expect(body).not.toContain('line 4900 ')
    expect(body).toMatch(/Deploy output \(last \d+ of 5000 lines\)/)
  })

  test('one enormous line is cut from its start', () => {
    const body = renderComment({
      ...base,
      state: 'failed',
      deployOutput: `${'a'.repeat(100_000)}END`,
    })

    expect(body.length).toBeLessThan(65536)
    expect(body).toContain('aaaEND\n')
  })

  test('secrets are blanked out of everything shown', () => {
    const body = renderComment({
      ...base,
      state: 'failed',
      message: 'login with hunter2 failed',
      deployOutput: 'token=hunter2\nother=sup3rs3cret-long',
      instanceLogs: 'hunter2',
      secrets: ['hunter2', 'sup3rs3cret', 'sup3rs3cret-long', ''],
    })

    expect(body).not.toContain('hunter2')
    expect(body).not.toContain('sup3rs3cret')
    expect(body).toContain('token=***\nother=***')
  })
})

describe('markers', () => {
  test('the run marker reads back what was rendered', () => {
    expect(parseRunMarker(renderComment(base))).toEqual({ sha: SHA, runId: 42, attempt: 2 })
  })

  test.each([
    { a: 'web', b: 'web2' },
    { a: 'web', b: 'we' },
    { a: 'a"b', b: 'a' },
    { a: 'x -->', b: 'x' },
  ])('the marker of $a does not match the comment of $b', ({ a, b }) => {
    expect(renderComment({ ...base, name: b }).includes(previewMarker(a))).toBe(false)
  })

  test('a body without a run marker has none', () => {
    expect(parseRunMarker('<!-- ephemera:preview name="web" -->\nhello')).toBeUndefined()
  })
})
