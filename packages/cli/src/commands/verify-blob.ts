import { runVerification, type VerifyFlags } from './verifying.js';

export async function verifyBlob(file: string, o: VerifyFlags): Promise<void> {
  await runVerification(o, file, 'messageSignature');
}
