// The registry-record fields that make a seed worker dispatchable to its demo worker: the Service
// binding target and the MCP tool spec. Written into kv-seed by scripts/seed-demo-tools.ts and
// checked against the seed by test/demo-workers.
import { inputSchemaOf, type DemoTool } from './tools/index.js';

/** The Hall's Service binding to this Worker (npm start binds it; HALL_DISPATCH_SERVICES lists it). */
export const DEMO_SERVICE_BINDING = 'DEMO_WORKERS';

export function demoRecordFields(tool: DemoTool): { dispatch: Record<string, unknown>; tools: Record<string, unknown> } {
  return {
    dispatch: { kind: 'service', service: DEMO_SERVICE_BINDING, path: `/${tool.workerId}` },
    tools: { [tool.capability]: { title: tool.title, description: tool.description, input_schema: inputSchemaOf(tool) } },
  };
}
