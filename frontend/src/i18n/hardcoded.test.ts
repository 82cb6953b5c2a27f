// CI's check that no UI string is left in the code: every word a user reads comes from
// locales/ through t(). It parses each source file (TypeScript's own parser) and reports
// - text between JSX tags that has a letter in it;
// - a string literal with a letter, in JSX (as an attribute whose name says it is shown, or
//   as a child) or as the value of an object property whose name says so (label, title,
//   header, message, description, placeholder…).
// A literal that is not language (a command, a product name, an example path) is let
// through by `i18n-ignore` in a comment on its line or the line above, which says why.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { expect, it } from 'vitest';

const root = join(process.cwd(), 'src'); // vitest runs in frontend/
const SHOWN = /^(aria-label|alt|label|title|placeholder|description|message|error|errorTitle|successTitle|confirmLabel|submitLabel|header|heading|caption|legend|tooltip|hint|empty|emptyText|summary|text|detail|what|verb)$/i;
const LETTER = /\p{L}/u;

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'test' && name !== 'i18n') sources(path, out);
    } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function literalText(node: ts.Node): string | undefined {
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ');
  return undefined;
}

function propertyName(node: ts.Node): string | undefined {
  if (ts.isPropertyAssignment(node) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) return node.name.text;
  return undefined;
}

function hardcoded(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) => {
    const line = file.getLineAndCharacterOfPosition(node.getStart()).line;
    if (/i18n-ignore/.test(lines[line] ?? '') || /i18n-ignore/.test(lines[line - 1] ?? '')) return;
    found.push(`${relative(root, path)}:${line + 1}: ${what.trim().slice(0, 60)}`);
  };
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && LETTER.test(node.text)) report(node, node.text);
    const literal = literalText(node);
    if (literal !== undefined && LETTER.test(literal)) {
      const parent = node.parent;
      const attr = ts.isJsxExpression(parent) ? parent.parent : parent;
      if (ts.isJsxAttribute(attr) && SHOWN.test(attr.name.getText(file))) report(node, literal);
      else if (ts.isJsxExpression(parent) && (ts.isJsxElement(parent.parent) || ts.isJsxFragment(parent.parent))) report(node, literal);
      else if (SHOWN.test(propertyName(parent) ?? '') && !(ts.isPropertyAssignment(parent) && parent.name === node)) report(node, literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

it('no UI string is written in the code instead of locales/', () => {
  expect(sources(root).flatMap(hardcoded)).toEqual([]);
});
