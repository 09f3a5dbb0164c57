import QRCode from 'qrcode';

/**
 * A QR code for `link` as inline SVG, made here (no image service, no script), black on white for
 * any camera. Hidden from assistive technology: the element around it names the link instead.
 */
export async function qrSvg(link: string): Promise<string> {
  const svg = await QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
  return svg.replace(/<svg /, '<svg aria-hidden="true" focusable="false" ');
}
