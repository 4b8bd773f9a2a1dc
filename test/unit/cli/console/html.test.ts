// The console's one escaping template: every value escaped, only Html kept.
import { describe, expect, it } from 'vitest';
import { escapeHtml, Html, html, page } from '../../../../cli/console/html.js';

describe('html', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('escapes every interpolated value, in content and in attributes', () => {
    const subject = '<img src=x onerror=alert(1)>';
    const attr = '" autofocus onfocus="alert(2)';
    expect(html`<td title="${attr}">${subject}</td>`.text).toBe(
      '<td title="&quot; autofocus onfocus=&quot;alert(2)">&lt;img src=x onerror=alert(1)&gt;</td>',
    );
  });

  it('keeps Html built by html itself, joins arrays (each item escaped), drops undefined, null and false', () => {
    const items = ['<b>', html`<i>${'&'}</i>`];
    expect(html`<p>${items}${undefined}${null}${false}${0}</p>`.text).toBe('<p>&lt;b&gt;<i>&amp;</i>0</p>');
    // A plain string that looks like markup is still text: only the Html class passes unescaped.
    expect(html`${'<script>'}`.text).toBe('&lt;script&gt;');
    expect(html`${new Html('<br>')}`.text).toBe('<br>');
  });

  it('a page escapes its title and label, links the stylesheet and carries no script', () => {
    const out = page('<Queue>', 'queue', 'stack "<x>"', html`<p>body</p>`);
    expect(out).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(out).toContain('<title>&lt;Queue&gt; · backup-mx</title>');
    expect(out).toContain('stack &quot;&lt;x&gt;&quot;');
    expect(out).toContain('<link rel="stylesheet" href="/console.css">');
    expect(out).toContain('<a href="/queue" aria-current="page">Queue</a>');
    expect(out).not.toMatch(/<script|style=/i);
  });
});
