// rust_threads.rs — Rust's std::thread under green-run --threads: named
// threads, thread_local! with a destructor, a Mutex and a channel. Rust's
// std keeps each thread's handle in TLS (it aborted with "current thread
// handle already set during thread spawn" when green threads shared it).
use std::cell::RefCell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

struct Noisy(u32);
impl Drop for Noisy {
    fn drop(&mut self) {
        // Runs at this thread's exit; the channel is gone by then, stdout is not.
        let _ = self.0;
    }
}

thread_local! {
    static COUNT: RefCell<u32> = RefCell::new(0);
    static NOISY: RefCell<Noisy> = RefCell::new(Noisy(0));
}

fn main() {
    let total = Arc::new(Mutex::new(0u32));
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    for i in 0..4u32 {
        let tx = tx.clone();
        let total = Arc::clone(&total);
        let h = thread::Builder::new()
            .name(format!("worker-{}", i))
            .spawn(move || {
                for _ in 0..=i {
                    COUNT.with(|c| *c.borrow_mut() += 1);
                    *total.lock().unwrap() += 1;
                    thread::sleep(Duration::from_millis(2));
                }
                NOISY.with(|n| n.borrow_mut().0 = i);
                let name = thread::current().name().unwrap_or("?").to_string();
                let count = COUNT.with(|c| *c.borrow());
                tx.send(format!("{} counted {}", name, count)).unwrap();
                i * 10
            })
            .unwrap();
        handles.push(h);
    }
    drop(tx);
    let mut lines: Vec<String> = rx.iter().collect();
    lines.sort();
    for l in &lines {
        println!("{}", l);
    }
    let results: Vec<u32> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    println!("joined {:?}", results);
    println!("total {}", *total.lock().unwrap());
    println!("main counted {}", COUNT.with(|c| *c.borrow()));
}
