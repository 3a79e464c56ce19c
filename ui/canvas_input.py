"""The drawing canvas that the Goodness and Join pages share: one size, one pen, one way to read it.

A white pen 18 pixels wide on a black 280 x 280 square: ten times MNIST's 28, large enough to
draw on with a finger and small enough for a 390-pixel-wide phone with the page's margins.
`ffviz.preprocess.canvas_to_mnist` turns what it sends into a 28 x 28 digit.
"""

CANVAS_SIDE = 280  # Pixels.
PEN_WIDTH = 18  # Pixels: a stroke about as thick as MNIST's, once scaled down by ten.


def digit_canvas(canvas_key):
    """The canvas with `canvas_key` (a new key draws an empty canvas); its `image_data` is RGBA or None.

    The component is looked up at each call, as the pages did at each run: the robustness tests put
    a stand-in for `streamlit_drawable_canvas` in `sys.modules` to send the page hostile pixels.
    """
    from streamlit_drawable_canvas import st_canvas

    return st_canvas(
        stroke_width=PEN_WIDTH,
        stroke_color="#FFFFFF",
        background_color="#000000",
        width=CANVAS_SIDE,
        height=CANVAS_SIDE,
        update_streamlit=True,
        return_image_data=True,
        key=canvas_key,
    )
