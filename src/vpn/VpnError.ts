/** Errors of the system-wide VPN (`src/vpn`): tools, wireguard-go's control socket, the exit's handshake. */
import { BaseError, type BaseErrorParameters } from '../errors/BaseError.ts';

export class VpnError extends BaseError {
  override name = 'VpnError';
  constructor(message: string, params: BaseErrorParameters) {
    super(message, params);
  }
}
