/**
 * What every lab of one bridge shares: the lab CA and server certificate, the loopback socket
 * pairs, a port known to be closed (a host that is down) and lab.test's DKIM key. With one lab per
 * learner, a lab must cost little beyond its own mail and conversations.
 */
import { LoopbackPairs } from '../tap/loopback-pair';
import { createDkimKey, type DkimKey } from '../world/mail-auth';
import { LAB_WORLD } from '../../core/world/world-definition';
import { findClosedPort } from '../world/world-sockets';
import { loadOrCreateCertificates, type CertificateOptions, type LabCertificates } from './certificates';

export interface LabShared {
  certificates: LabCertificates;
  pairs: LoopbackPairs;
  closedPort: number;
  dkim: DkimKey;
}

export interface OwnedLabShared extends LabShared {
  close(): Promise<void>;
}

/** `names`: the bound address and public host, which the CA's name constraints must include. */
export async function createLabShared(stateDir: string, names: CertificateOptions = {}): Promise<OwnedLabShared> {
  const certificates = await loadOrCreateCertificates(stateDir, names);
  const pairs = await LoopbackPairs.create();
  const closedPort = await findClosedPort();
  return {
    certificates,
    pairs,
    closedPort,
    dkim: createDkimKey(LAB_WORLD.relay.domain),
    close: () => pairs.close(),
  };
}
