// The digit canvas of ui/canvas_input.py: a black square that takes a white pen from a mouse,
// a finger or a stylus (pointer events), and sends the picture to Python as soon as a stroke
// ends, with no debounce: one byte of grey per pixel, row by row, in base64.
//
// Streamlit calls this function when the component mounts and again when its inputs change;
// the canvas lives in the component's own DOM, so a drawing survives the page's reruns.

function toBase64(bytes) {
  let binary = "";
  for (let start = 0; start < bytes.length; start += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(start, start + 0x8000));
  }
  return btoa(binary);
}

export default function digitCanvas({ parentElement, data, setStateValue }) {
  const side = data.side;
  let canvas = parentElement.querySelector("canvas.ffviz-digit-canvas");
  if (canvas === null) {
    canvas = document.createElement("canvas");
    canvas.className = "ffviz-digit-canvas";
    canvas.width = side;
    canvas.height = side;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", "Drawing canvas: draw one digit with the mouse or a finger");
    parentElement.appendChild(canvas);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.fillStyle = "#000000";
    context.fillRect(0, 0, side, side);
  }
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let last = null; // The pen's last point while a stroke is under way, else null.

  function point(event) {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) * side) / box.width, ((event.clientY - box.top) * side) / box.height];
  }

  function line(from, to) {
    context.strokeStyle = "#FFFFFF";
    context.lineWidth = data.pen;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.beginPath();
    context.moveTo(from[0], from[1]);
    context.lineTo(to[0], to[1]);
    context.stroke();
  }

  function send() {
    const rgba = context.getImageData(0, 0, side, side).data;
    const grey = new Uint8Array(side * side);
    for (let index = 0; index < grey.length; index += 1) {
      grey[index] = rgba[4 * index]; // White on black: the red channel is the ink.
    }
    setStateValue("pixels", toBase64(grey));
  }

  function down(event) {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    line(last, last); // A tap leaves a dot.
  }

  function move(event) {
    if (last === null) {
      return;
    }
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const each of events.length ? events : [event]) {
      const next = point(each);
      line(last, next);
      last = next;
    }
  }

  function up() {
    if (last === null) {
      return;
    }
    last = null;
    send();
  }

  canvas.addEventListener("pointerdown", down);
  canvas.addEventListener("pointermove", move);
  canvas.addEventListener("pointerup", up);
  canvas.addEventListener("pointercancel", up);
  return () => {
    canvas.removeEventListener("pointerdown", down);
    canvas.removeEventListener("pointermove", move);
    canvas.removeEventListener("pointerup", up);
    canvas.removeEventListener("pointercancel", up);
  };
}
