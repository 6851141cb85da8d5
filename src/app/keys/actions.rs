//! The actions of every section of the key table. Their keys live in `keymaps/*.yaml`; help and
//! hint lines are generated from these names and help texts.

use super::section::section_actions;

section_actions! {
    /// Everything a key does on the tables and in every screen that has no own binding for it.
    Action, "bindings" {
        Quit => "quit", "quit kockpit";
        Help => "help", "show this help";
        CommandMode => "command_mode", "type a command (:pods, :nodes, :ctx prod)";
        Filter => "filter", "filter rows by text";
        LabelFilter => "label_filter", "filter rows by label selector (app=web)";
        Up => "up", "move up";
        Down => "down", "move down";
        PageUp => "page_up", "page up";
        PageDown => "page_down", "page down";
        Top => "top", "go to the first row";
        Bottom => "bottom", "go to the last row";
        Drill => "drill", "open the selected row: a deployment's or node's pods, a pod's containers, an event's object (esc goes back)";
        Owner => "owner", "go to the selected pod's owner (its deployment, or node for a static pod)";
        Describe => "describe", "describe the selected object";
        Yaml => "yaml", "show the selected object's YAML";
        Back => "back", "go back / close";
        NextContext => "next_context", "switch to the next context (in a split: to the other side)";
        PrevContext => "prev_context", "switch to the previous context (in a split: to the other side)";
        ToggleMergedContexts => "toggle_merged_contexts", "show one context or all live contexts merged";
        ToggleSplit => "toggle_split", "two contexts side by side, each its own table and cursor (tab moves between them)";
        ViewNodes => "view_nodes", "show nodes";
        ViewDeployments => "view_deployments", "show deployments";
        ViewPods => "view_pods", "show pods";
        SortNext => "sort_next", "sort by the next column";
        SortReverse => "sort_reverse", "reverse the sort order";
        Cordon => "cordon", "cordon the node";
        Uncordon => "uncordon", "uncordon the node";
        Drain => "drain", "drain the node (guided)";
        Delete => "delete", "delete the selected object (any kind; a namespace takes everything in it)";
        ForceDelete => "force_delete", "force-delete the pod (grace 0)";
        Scale => "scale", "scale the deployment, StatefulSet or ReplicaSet; on a pod or a container: open a shell in it";
        RolloutRestart => "rollout_restart", "restart the rollout of the deployment, StatefulSet or DaemonSet";
        TriggerCronJob => "trigger_cronjob", "create a Job from the selected CronJob now (kubectl create job --from)";
        SuspendCronJob => "suspend_cronjob", "suspend / resume the selected CronJob";
        Edit => "edit", "edit the selected object in $EDITOR (reviewed before it is sent)";
        BulkForceDelete => "bulk_force_delete", "force-delete every pod the current filter shows (previewed first)";
        Rollouts => "rollouts", "watch rollouts: updated / ready / available per deployment";
        Logs => "logs", "follow logs";
        PortForward => "port_forward", "port-forward the selected pod or deployment";
        Forwards => "forwards", "list active port-forwards";
        Events => "events", "events of the shown contexts, warnings first (:events)";
        WarningsOnly => "warnings_only", "events view: warnings only / all events";
        Refresh => "refresh", "refresh the view";
        Wide => "wide", "wide columns on / off (as kubectl get -o wide)";
        Kinds => "kinds", "list the resource types the context serves (enter opens one)";
    }
}

impl Action {
    /// Whether the action changes the cluster; `--readonly` removes these.
    pub fn is_mutation(self) -> bool {
        is_mutation(self)
    }
}

/// Whether `action` changes the cluster (cordon, drain, delete, scale, …); `--readonly` drops
/// these from the key table and the help screen.
pub fn is_mutation(action: Action) -> bool {
    matches!(
        action,
        Action::Cordon
            | Action::Uncordon
            | Action::Drain
            | Action::Delete
            | Action::ForceDelete
            | Action::Scale
            | Action::RolloutRestart
            | Action::TriggerCronJob
            | Action::SuspendCronJob
            | Action::BulkForceDelete
            | Action::Edit
    )
}

section_actions! {
    /// Everything a key does on the log screen; these keys act only there, so they may reuse table keys.
    LogAction, "logs" {
        TogglePause => "pause", "pause / follow (new lines are counted while paused)";
        ScrollUp => "scroll_up", "scroll up (pauses)";
        ScrollDown => "scroll_down", "scroll down";
        PageUp => "page_up", "page up";
        PageDown => "page_down", "page down";
        End => "end", "jump to the end and follow";
        Search => "search", "search (highlight; n / N next / previous)";
        NextMatch => "next_match", "next match (newer)";
        PrevMatch => "prev_match", "previous match (older)";
        Filter => "filter", "show only lines containing a text";
        Wrap => "wrap", "wrap long lines on / off";
        Timestamps => "timestamps", "timestamps on / off";
        Since => "since", "since: tail 200 / 1m / 5m / 15m / 1h / start (reads the logs again)";
        Previous => "previous", "previous container's logs on / off (crash loops)";
        Save => "save", "save the pane's lines to a file";
        SplitSide => "split_side", "split: new pane side by side (asks what to follow)";
        SplitStacked => "split_stacked", "split: new pane below (asks what to follow)";
        FocusNext => "focus_next", "focus the next pane";
        FocusPrev => "focus_prev", "focus the previous pane";
        Zoom => "zoom", "zoom the focused pane / back";
        Close => "close", "close the focused pane";
        Grow => "grow", "grow the focused pane";
        Shrink => "shrink", "shrink the focused pane";
        Back => "back", "back to the tables (panes keep running)";
    }
}

section_actions! {
    /// Keys of the describe / YAML view over the tables; moving, back and quit are the tables' keys.
    OverlayAction, "overlay" {
        Reveal => "reveal", "show a Secret's values decoded (audited; closing the view forgets them)";
    }
}

section_actions! {
    /// Keys of the drain wizard; moving, help, back and quit are the tables' keys.
    WizardAction, "wizard" {
        Start => "start", "start the drain: cordon, then evict what may go (asks first)";
        Escalate => "escalate", "escalate the selected pod one step: evict, delete, force delete";
        EscalateGroup => "escalate_group", "escalate every blocked pod whose next step is the selected pod's";
        Cordon => "cordon", "cordon the selected pod's node";
        Uncordon => "uncordon", "uncordon the selected pod's node";
    }
}

section_actions! {
    /// Keys of the port-forwards view; moving, help, back and quit are the tables' keys.
    ForwardAction, "forwards" {
        Start => "start", "start or restart the selected forward";
        Stop => "stop", "stop the selected forward (it stays listed)";
        Remove => "remove", "stop the selected forward and remove it from the list";
    }
}

section_actions! {
    /// Keys of the question in front of a mutation and of a results list. On a production
    /// context the object's name is typed, so only keys that are not letters act there.
    DialogAction, "dialog" {
        Confirm => "confirm", "confirm (on production: after typing the name)";
        Cancel => "cancel", "cancel";
    }
}
