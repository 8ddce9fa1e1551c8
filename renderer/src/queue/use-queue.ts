import { useEffect, useState } from 'react';
import type { EngineClient } from '../client/engine-client.js';
import type { QueueJob } from '../../../electron/common/protocol.js';

/** The host's render queue, kept current by its change events. */
export function useQueue(client: EngineClient): [QueueJob[], (jobs: QueueJob[]) => void] {
  const [jobs, setJobs] = useState<QueueJob[]>([]);
  useEffect(() => {
    let live = true;
    const off = client.on('queue:changed', (next) => setJobs(next));
    client.queue
      .list()
      .then((list) => {
        if (live) setJobs(list);
      })
      .catch(() => undefined);
    return () => {
      live = false;
      off();
    };
  }, [client]);
  return [jobs, setJobs];
}
