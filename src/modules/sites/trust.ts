import type { Deps } from '../../context.ts';
import { errors, vapiError } from '../../errors.ts';
import { certificateInfo, fetchCertificate, peerErrorToVapi, peerLogin, type CertificateInfo } from '../../peer/client.ts';

/** The vCenter HTTPS port a connection spec means when it names none. */
export const DEFAULT_PORT = 443;

/** The certificate the remote presents now; 503 when it cannot be reached over TLS. */
export async function presented(deps: Deps, host: string, port: number): Promise<CertificateInfo> {
  try {
    return await fetchCertificate(host, port, deps.config.siteTimeoutMs);
  } catch (err) {
    throw peerErrorToVapi(err, `${host}:${port}`);
  }
}

/** Whether some pairing already pins this certificate. */
export async function trusted(deps: Deps, cert: CertificateInfo): Promise<boolean> {
  return (await deps.store.repos.sites.list()).some((s) => certificateInfo(s.certificate)?.thumbprint === cert.thumbprint);
}

/**
 * The certificate to pin for a remote: the one it presents, provided the caller accepted it
 * (sent it back as vcenter_certificate / va_certificate; one certificate serves both here) or
 * it is trusted already. Otherwise UNVERIFIED_PEER naming the thumbprint to accept.
 */
export async function acceptedCertificate(
  deps: Deps,
  cert: CertificateInfo,
  spec: { vcenter_certificate?: string; va_certificate?: string },
  field = 'spec',
): Promise<string> {
  const given = [['vcenter_certificate', spec.vcenter_certificate], ['va_certificate', spec.va_certificate]] as const;
  let accepted = false;
  for (const [name, pem] of given) {
    if (pem === undefined) continue;
    const info = certificateInfo(pem);
    if (!info) throw errors.invalidArgument(`${field}.${name}`, 'is not a PEM certificate');
    if (info.thumbprint !== cert.thumbprint) {
      throw vapiError('UNVERIFIED_PEER', 'site.certificate_mismatch',
        `The remote presents certificate ${cert.thumbprint}, not the ${name} given (${info.thumbprint}); probe it again and accept the certificate it presents.`,
        cert.thumbprint, info.thumbprint);
    }
    accepted = true;
  }
  if (!accepted && !(await trusted(deps, cert))) {
    throw vapiError('UNVERIFIED_PEER', 'site.certificate_untrusted',
      `The remote's certificate ${cert.thumbprint} is not trusted; accept it by sending it as vcenter_certificate (sites?action=probe returns it).`, cert.thumbprint);
  }
  return cert.pem;
}

/** An administrator session at the remote; wrong credentials are the caller's invalid argument. */
export async function remoteSession(deps: Deps, url: string, certificate: string, creds: { user: string; password: string }, field: string): Promise<string> {
  try {
    return await peerLogin({ url, certificate, timeoutMs: deps.config.siteTimeoutMs }, creds.user, creds.password);
  } catch (err) {
    const e = peerErrorToVapi(err, url, { untrusted: 'UNVERIFIED_PEER' });
    if (e.messages[0]?.id === 'com.vmware.snapservice.site.credential_refused') {
      throw errors.invalidArgument(`${field}.vcenter_creds`, `the remote site refused these credentials for ${creds.user}`);
    }
    throw e;
  }
}
