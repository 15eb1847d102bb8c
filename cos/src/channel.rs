//! Logical channels (ISO/IEC 7816-4:2005 clause 5.1.1.2; JCRE 3.0.5 chapter 4).
//!
//! The card supports the basic channel 0 and the nineteen further channels 1–19 that the
//! first and further interindustry class bytes can address. Channel 0 is open from reset and
//! can never be closed; the others are opened by MANAGE CHANNEL or an applet SELECT. Each open
//! channel has at most one active applet (JCRE 3.0.5 §4: "the active applet instance on a
//! logical channel").

use jcos_vm::AppletId;

/// Number of logical channels, basic channel included (JCRE 3.0.5 §4: "between 1 and 20").
pub(crate) const CHANNEL_COUNT: usize = 20;

/// What is active on an open channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Selected {
    /// An applet instance of the Java Card VM.
    Applet(AppletId),
    /// The card's development installer (a native application, see `installer`).
    Installer,
}

/// The state of one logical channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ChannelState {
    /// Not open: commands on it are refused with `6881`.
    #[default]
    Closed,
    /// Open, with the applet active on it, if any.
    Open(Option<Selected>),
}

/// The open/closed state and the active applet of every logical channel; transient, lost
/// on power loss or reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogicalChannels {
    states: [ChannelState; CHANNEL_COUNT],
}

impl Default for LogicalChannels {
    fn default() -> Self {
        let mut states = [ChannelState::Closed; CHANNEL_COUNT];
        states[0] = ChannelState::Open(None);
        Self { states }
    }
}

impl LogicalChannels {
    /// Whether `channel` is open; channels beyond 19 never are.
    pub(crate) fn is_open(&self, channel: u8) -> bool {
        matches!(
            self.states.get(usize::from(channel)),
            Some(ChannelState::Open(_))
        )
    }

    /// Opens `channel` with nothing active on it; returns false (and changes nothing) when
    /// it is already open or does not exist.
    pub(crate) fn open(&mut self, channel: u8) -> bool {
        match self.states.get_mut(usize::from(channel)) {
            Some(state @ ChannelState::Closed) => {
                *state = ChannelState::Open(None);
                true
            }
            _ => false,
        }
    }

    /// Closes `channel`; returns false when it was not open. The basic channel stays open.
    pub(crate) fn close(&mut self, channel: u8) -> bool {
        if channel == 0 {
            return false;
        }
        match self.states.get_mut(usize::from(channel)) {
            Some(state @ ChannelState::Open(_)) => {
                *state = ChannelState::Closed;
                true
            }
            _ => false,
        }
    }

    /// The lowest closed channel, which MANAGE CHANNEL OPEN with P2 = 00 assigns.
    pub(crate) fn lowest_free(&self) -> Option<u8> {
        (1u8..)
            .zip(self.states.iter().skip(1))
            .find(|(_, state)| **state == ChannelState::Closed)
            .map(|(channel, _)| channel)
    }

    /// What is active on `channel` (nothing when it is closed).
    pub(crate) fn selected(&self, channel: u8) -> Option<Selected> {
        match self.states.get(usize::from(channel)) {
            Some(ChannelState::Open(selected)) => *selected,
            _ => None,
        }
    }

    /// Makes `selected` the active applet of the open `channel`; a closed channel is left
    /// alone.
    pub(crate) fn set_selected(&mut self, channel: u8, selected: Option<Selected>) {
        if let Some(ChannelState::Open(s)) = self.states.get_mut(usize::from(channel)) {
            *s = selected;
        }
    }

    /// The channels other than `except` on which `applet` is active.
    pub(crate) fn channels_of(
        &self,
        applet: AppletId,
        except: u8,
    ) -> impl Iterator<Item = u8> + '_ {
        (0u8..)
            .zip(self.states.iter())
            .filter(move |(ch, state)| {
                *ch != except && **state == ChannelState::Open(Some(Selected::Applet(applet)))
            })
            .map(|(ch, _)| ch)
    }

    /// The applets active on channels other than `except`.
    pub(crate) fn active_applets(&self, except: u8) -> impl Iterator<Item = AppletId> + '_ {
        (0u8..)
            .zip(self.states.iter())
            .filter_map(move |(ch, state)| match state {
                ChannelState::Open(Some(Selected::Applet(a))) if ch != except => Some(*a),
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_basic_channel_is_open_after_reset() {
        let channels = LogicalChannels::default();
        assert!(channels.is_open(0));
        for ch in 1..=19 {
            assert!(!channels.is_open(ch));
        }
        assert!(!channels.is_open(20));
        assert_eq!(channels.lowest_free(), Some(1));
        assert_eq!(channels.selected(0), None);
    }

    #[test]
    fn opens_and_closes() {
        let mut channels = LogicalChannels::default();
        assert!(channels.open(3));
        assert!(!channels.open(3), "already open");
        assert!(channels.is_open(3));
        assert_eq!(channels.lowest_free(), Some(1));
        assert!(channels.close(3));
        assert!(!channels.close(3), "already closed");
        assert!(!channels.close(0), "basic channel never closes");
        assert!(channels.is_open(0));
        assert!(!channels.open(20));
        assert!(!channels.close(20));
    }

    #[test]
    fn lowest_free_runs_out_after_nineteen() {
        let mut channels = LogicalChannels::default();
        for expected in 1..=19 {
            let ch = channels.lowest_free().unwrap();
            assert_eq!(ch, expected);
            assert!(channels.open(ch));
        }
        assert_eq!(channels.lowest_free(), None);
        channels.close(7);
        assert_eq!(channels.lowest_free(), Some(7));
    }

    #[test]
    fn selection_is_per_channel_and_closing_forgets_it() {
        let mut channels = LogicalChannels::default();
        let a = Selected::Applet(AppletId(4));
        channels.open(2);
        channels.set_selected(0, Some(a));
        channels.set_selected(2, Some(a));
        channels.set_selected(5, Some(a));
        assert_eq!(
            channels.selected(5),
            None,
            "a closed channel selects nothing"
        );
        assert_eq!(
            channels.channels_of(AppletId(4), 0).collect::<Vec<_>>(),
            vec![2]
        );
        assert_eq!(
            channels.active_applets(2).collect::<Vec<_>>(),
            vec![AppletId(4)]
        );
        channels.close(2);
        channels.open(2);
        assert_eq!(channels.selected(2), None);
        assert_eq!(channels.channels_of(AppletId(4), 0).count(), 0);
    }
}
