// Keyframe player: draws a clip's JPEG keyframes on a canvas with the edge's boxes and track ids over them.

const MIN_STEP_MS = 200;
const MAX_STEP_MS = 1000;

function trackHue(trackId) {
  return Math.round((Number(trackId) * 137.508) % 360);
}

function trackColour(trackId) {
  return `hsl(${trackHue(trackId)} 90% 55%)`;
}

/** Blues and violets are dark at this lightness: white text reads better on them. */
function labelTextColour(trackId) {
  const hue = trackHue(trackId);
  return hue >= 200 && hue <= 300 ? "#fff" : "#000";
}

export class KeyframePlayer {
  constructor({ canvas, counter, timeLabel, trackList, message, playButton }) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.counter = counter;
    this.timeLabel = timeLabel;
    this.trackList = trackList;
    this.message = message;
    this.playButton = playButton;
    this.frames = [];
    this.index = 0;
    this.timer = null;
  }

  /** Loads the keyframes of a clip; images come from the clip file API (same origin, signed-in cookie). */
  async load(clip) {
    this.pause();
    this.frames = [];
    this.index = 0;
    if (!clip.stored) return this.show("This clip has not arrived completely yet.");
    if (clip.keyframes.length === 0) return this.show("This clip has no keyframes.");
    this.show("Loading keyframes…");
    const images = await Promise.all(clip.keyframes.map(async k => {
      const response = await fetch(`/api/clips/${encodeURIComponent(clip.clipId)}/files/${encodeURIComponent(k.file)}`,
        { credentials: "same-origin" });
      if (!response.ok) throw new Error(`keyframe ${k.file}: HTTP ${response.status}`);
      return createImageBitmap(await response.blob());
    }));
    this.frames = clip.keyframes.map((k, i) => ({ ...k, image: images[i] })).sort((a, b) => a.offsetMs - b.offsetMs);
    this.show(null);
    this.draw();
  }

  show(text) {
    this.message.hidden = !text;
    this.message.textContent = text ?? "";
    if (text) this.counter.textContent = "Frame 0 / 0";
  }

  step(delta) {
    if (this.frames.length === 0) return;
    this.index = (this.index + delta + this.frames.length) % this.frames.length;
    this.draw();
  }

  play() {
    if (this.frames.length < 2 || this.timer) return;
    if (this.index === this.frames.length - 1) this.index = 0;
    this.playButton.textContent = "Pause";
    const next = () => {
      if (this.index >= this.frames.length - 1) return this.pause();
      const gap = this.frames[this.index + 1].offsetMs - this.frames[this.index].offsetMs;
      this.timer = setTimeout(() => {
        this.index += 1;
        this.draw();
        next();
      }, Math.min(MAX_STEP_MS, Math.max(MIN_STEP_MS, gap)));
    };
    next();
  }

  pause() {
    clearTimeout(this.timer);
    this.timer = null;
    this.playButton.textContent = "Play";
  }

  toggle() {
    if (this.timer) this.pause();
    else this.play();
  }

  draw() {
    const frame = this.frames[this.index];
    const { canvas, context: g } = this;
    canvas.width = frame.image.width;
    canvas.height = frame.image.height;
    g.drawImage(frame.image, 0, 0);
    const lineWidth = Math.max(2, Math.round(canvas.width / 320));
    const fontSize = Math.max(12, Math.round(canvas.width / 45));
    g.lineWidth = lineWidth;
    g.font = `600 ${fontSize}px system-ui, sans-serif`;
    g.textBaseline = "top";
    for (const box of frame.boxes) {
      const colour = trackColour(box.trackId);
      const x = box.x * canvas.width, y = box.y * canvas.height, w = box.w * canvas.width, h = box.h * canvas.height;
      g.strokeStyle = colour;
      g.strokeRect(x, y, w, h);
      const label = `#${box.trackId} ${box.className} ${Math.round(box.score * 100)}%`;
      const labelWidth = g.measureText(label).width + 8;
      const labelY = y - fontSize - 6 >= 0 ? y - fontSize - 6 : y;
      g.fillStyle = colour;
      g.fillRect(x - lineWidth / 2, labelY, labelWidth, fontSize + 6);
      g.fillStyle = labelTextColour(box.trackId);
      g.fillText(label, x + 4 - lineWidth / 2, labelY + 3);
    }
    this.counter.textContent = `Frame ${this.index + 1} / ${this.frames.length}`;
    this.timeLabel.textContent = `+${(frame.offsetMs / 1000).toFixed(1)} s`;
    this.trackList.replaceChildren(...frame.boxes.map(box => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = trackColour(box.trackId);
      item.append(swatch, `#${box.trackId} ${box.className} (${Math.round(box.score * 100)}%)`);
      return item;
    }));
  }
}
