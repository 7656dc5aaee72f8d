import type { DecodedImage } from '../decode.js';
import type { RecognitionEngine } from './engine.js';
import { CALIBRATION, judge, type Calibration, type Judged } from './judge.js';
import { rgbOf } from './rgb.js';

export { RecognitionEngine, type EngineOptions } from './engine.js';
export { CALIBRATION, judge, type Calibration, type Judged } from './judge.js';
export { subjectPhrase } from './phrase.js';

/** The analysis decode in, the objects and people worth reporting out (boxes in display pixels). */
export async function recognise(engine: RecognitionEngine, image: DecodedImage, calibration: Calibration = CALIBRATION): Promise<Judged> {
  const rgb = rgbOf(image);
  const raw = await engine.detect(rgb);
  return judge(raw, { width: rgb.width, height: rgb.height, displayWidth: image.header.width, displayHeight: image.header.height }, calibration);
}
