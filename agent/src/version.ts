import os from 'node:os';
import agentPackage from '../package.json' with { type: 'json' };

export const AGENT_VERSION: string = agentPackage.version;

/** Sent with every request, so that Muster records which agent each system runs. */
export const USER_AGENT = `muster-agent/${AGENT_VERSION} (${os.platform()}; ${os.arch()})`;
