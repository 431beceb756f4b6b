export {
  formatSignedNote, noteKeyId, noteSignerFor, noteVerifierFor, parseSignedNote, parseVerifierKey, signNote, verifySignedNote,
  type NoteSignature, type NoteSigner, type NoteVerifier, type SignedNote,
} from './signed-note.js';
export { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.js';
