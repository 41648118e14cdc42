export const summary = '(not yet implemented)';
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('edgehall conformance: not yet implemented\n');
  return 2;
}
