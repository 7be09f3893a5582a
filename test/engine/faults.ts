/**
 * A fault-injecting wrapper for any connector: the Nth write call applies its first `afterRecords` records, then
 * throws, which is what a crash between a platform write and our commit looks like.
 */
import type { Connector, ObjectClient } from '../../src/connectors/sdk/connector.js';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import type { WriteResult } from '../../src/connectors/sdk/types.js';

export interface WriteFault {
  op: 'create' | 'update' | 'delete';
  call: number;
  afterRecords: number;
}

export class FaultPlan {
  faults: WriteFault[] = [];
  private calls = new Map<string, number>();
  reset(): void {
    this.faults = [];
    this.calls.clear();
  }
  next(op: WriteFault['op']): WriteFault | undefined {
    const n = (this.calls.get(op) ?? 0) + 1;
    this.calls.set(op, n);
    return this.faults.find((f) => f.op === op && f.call === n);
  }
}

export function withFaults(connector: Connector, plan: FaultPlan): Connector {
  const wrap = (client: ObjectClient): ObjectClient => {
    const guarded =
      <I>(op: WriteFault['op'], fn: (inputs: readonly I[]) => Promise<WriteResult[]>) =>
      async (inputs: readonly I[]): Promise<WriteResult[]> => {
        const fault = plan.next(op);
        if (!fault) return fn(inputs);
        if (fault.afterRecords > 0) await fn(inputs.slice(0, fault.afterRecords));
        throw new ConnectorError('network', `injected ${op} fault`);
      };
    return {
      spec: client.spec,
      listAll: (o) => client.listAll(o),
      ...(client.listChanged ? { listChanged: client.listChanged.bind(client) } : {}),
      readByIds: (ids, o) => client.readByIds(ids, o),
      create: guarded('create', (i) => client.create(i)),
      update: guarded('update', (i) => client.update(i)),
      delete: guarded('delete', (i) => client.delete(i)),
      ...(client.findCreated ? { findCreated: client.findCreated.bind(client) } : {}),
    };
  };
  return {
    ...connector,
    name: connector.name,
    auth: connector.auth,
    objects: () => connector.objects(),
    object: async (name) => wrap(await connector.object(name)),
  };
}
