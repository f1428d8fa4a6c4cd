"""ConvLab's desktop app (PySide6). Imports netlib; netlib never imports this package.

Layout
    app.py           `main(argv)`: parse the app's flags, make the QApplication and the window
    main_window.py   MainWindow: navigation, the page stack, the status bar, drag and drop,
                     settings, and loading Keras in a worker after the first paint
    pages/           one Page (a QWidget) per module: architectures, dataset, train,
                     results, predict, runs
    widgets/         the pieces pages are made of (layer table, options form, thumbnails,
                     training form, curves, confusion matrix, gallery, top-5 bars...)
    workers.py       Worker, WorkerPool, LatestOnly: long work off the GUI thread
    tasks.py         the jobs workers run (build + summarize, scan, split, cache): no Qt;
                     the train, results, predict and runs pages keep their own jobs at the
                     top of their modules, as plain functions of the same form
    settings.py      QSettings in one place (CONVLAB_SETTINGS_DIR moves it for tests)
    screenshot.py    `--screenshot DIR`: every page rendered with real content, offscreen

Adding a page
    Subclass `gui.pages.base.Page` in a module of its own under pages/, set `key`, `title`
    and `summary`, and add it to `MainWindow.pages` (and an icon resources/icons/<key>.svg).
    The window calls the hooks: `backend_ready(info)` once Keras and the registry have
    loaded (before it, import nothing heavy: the window must paint first),
    `restore_settings`/`save_settings` (inside the page's own QSettings group),
    `accepts_drop`/`drop` for files dropped on the window, `is_idle` and `shutdown` (stop
    and wait for your workers; the default does it for `self.workers`), and
    `screenshot_plan` for `--screenshot`. Emit `status_message` for the status bar.

Running work in the background
    Write the job as a plain function `job(*args, context)` in tasks.py (no Qt; import
    Keras/netlib inside it). Start it with `self.workers.start(job, *args, on_result=...,
    on_error=..., on_progress=..., on_cancelled=...)`; the callbacks run on the GUI thread,
    so they may touch widgets, and nothing else may. In the job, call `context.check()`
    (or pass `context.cancelled` / `context.progress_reporter()` to netlib functions that
    take `cancel=` / `progress=`) so that cancel and close take effect. Use `LatestOnly`
    when only the newest request matters (a click supersedes the previous one).
    Closing the window cancels every page's workers and waits for them.
"""
