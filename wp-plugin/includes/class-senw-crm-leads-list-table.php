<?php
/**
 * The Leads list in wp-admin (CRM > Leads): search, filters, sorting and
 * pagination over SENW_CRM_Leads::query(), which applies the user's
 * record-level scope in SQL. One query counts, one pages the ids, one fetches
 * the page's rows with their agents' names: never a query per row.
 */

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( 'WP_List_Table' ) ) {
	require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
}

class SENW_CRM_Leads_List_Table extends WP_List_Table {

	const PER_PAGE_OPTION = 'senw_crm_leads_per_page';

	/** @var array The filters in effect (status, temperature, source, agent_id, search). */
	private $filters = array();

	public function __construct( $args = array() ) {
		parent::__construct(
			array(
				'singular' => 'lead',
				'plural'   => 'leads',
				'ajax'     => false,
				'screen'   => isset( $args['screen'] ) ? $args['screen'] : null,
			)
		);
	}

	/** Whether the user sees more than their own leads (and so gets the agent filter). */
	public static function sees_others() {
		return current_user_can( 'senw_view_all_leads' ) || current_user_can( 'senw_view_team_leads' );
	}

	public function get_columns() {
		return array(
			'cb'          => '<input type="checkbox">',
			'name'        => __( 'Name', 'senw-crm' ),
			'email'       => __( 'Email', 'senw-crm' ),
			'phone'       => __( 'Phone', 'senw-crm' ),
			'status'      => __( 'Status', 'senw-crm' ),
			'temperature' => __( 'Temperature', 'senw-crm' ),
			'source'      => __( 'Source', 'senw-crm' ),
			'agent'       => __( 'Agent', 'senw-crm' ),
			'score'       => __( 'Score', 'senw-crm' ),
			'created_at'  => __( 'Received', 'senw-crm' ),
		);
	}

	/** Column => [orderby value, first click sorts descending]. */
	protected function get_sortable_columns() {
		return array(
			'name'        => array( 'display_name', false ),
			'status'      => array( 'status', false ),
			'temperature' => array( 'temperature', false ),
			'source'      => array( 'source', false ),
			'score'       => array( 'score', true ),
			'created_at'  => array( 'created_at', true ),
		);
	}

	protected function get_primary_column_name() {
		return 'name';
	}

	/** Reads one filter from the query string, kept only when it is a known value. */
	private static function choice( $key, array $allowed ) {
		// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- read-only list filters.
		$value = isset( $_GET[ $key ] ) ? sanitize_key( wp_unslash( $_GET[ $key ] ) ) : '';
		return in_array( $value, $allowed, true ) ? $value : '';
	}

	public function prepare_items() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- read-only list view.
		$search   = isset( $_REQUEST['s'] ) ? trim( sanitize_text_field( wp_unslash( $_REQUEST['s'] ) ) ) : '';
		// '' = any agent, 'none' = unassigned, else a user id.
		$agent    = isset( $_GET['agent_id'] ) ? sanitize_key( wp_unslash( $_GET['agent_id'] ) ) : '';
		$orderby  = self::choice( 'orderby', array( 'display_name', 'status', 'temperature', 'source', 'score', 'created_at' ) );
		$order    = self::choice( 'order', array( 'asc', 'desc' ) );
		// phpcs:enable

		$this->filters = array(
			'search'      => $search,
			'status'      => self::choice( 'status', SENW_CRM_Lead_Validator::STATUSES ),
			'temperature' => self::choice( 'temperature', SENW_CRM_Lead_Validator::TEMPERATURES ),
			'source'      => self::choice( 'source', SENW_CRM_Lead_Validator::SOURCES ),
			'agent_id'    => self::sees_others() && ( 'none' === $agent || absint( $agent ) > 0 ) ? $agent : '',
			// phpcs:ignore WordPress.Security.NonceVerification.Recommended -- read-only list filter.
			'tag'         => isset( $_GET['tag'] ) ? substr( sanitize_text_field( wp_unslash( $_GET['tag'] ) ), 0, 60 ) : '',
		);

		$per_page = min( 100, $this->get_items_per_page( self::PER_PAGE_OPTION, 20 ) );
		$args     = array_filter( $this->filters );
		if ( isset( $args['agent_id'] ) ) {
			$args['agent_id'] = 'none' === $args['agent_id'] ? 0 : absint( $args['agent_id'] );
		}
		$args    += array(
			'orderby'  => '' !== $orderby ? $orderby : 'created_at',
			'order'    => '' !== $order ? $order : ( '' !== $orderby && ! in_array( $orderby, array( 'score', 'created_at' ), true ) ? 'asc' : 'desc' ),
			'page'     => $this->get_pagenum(),
			'per_page' => $per_page,
		);

		$result      = SENW_CRM_Leads::query( $args, get_current_user_id() );
		$this->items = $result['items'];
		$this->set_pagination_args(
			array(
				'total_items' => (int) $result['total'],
				'per_page'    => $per_page,
			)
		);
		$this->_column_headers = array( $this->get_columns(), array(), $this->get_sortable_columns(), 'name' );
	}

	public function no_items() {
		esc_html_e( 'No leads found.', 'senw-crm' );
	}

	protected function extra_tablenav( $which ) {
		if ( 'top' !== $which ) {
			return;
		}
		echo '<div class="alignleft actions senw-crm-filters">';
		self::dropdown( 'status', __( 'Status', 'senw-crm' ), __( 'All statuses', 'senw-crm' ), SENW_CRM_Admin::status_labels(), $this->filters['status'] );
		self::dropdown( 'temperature', __( 'Temperature', 'senw-crm' ), __( 'All temperatures', 'senw-crm' ), SENW_CRM_Admin::temperature_labels(), $this->filters['temperature'] );
		self::dropdown( 'source', __( 'Source', 'senw-crm' ), __( 'All sources', 'senw-crm' ), SENW_CRM_Admin::source_labels(), $this->filters['source'] );
		if ( self::sees_others() ) {
			// A team lead is offered their team's agents only; those who see all leads, everyone.
			$agents = current_user_can( 'senw_view_all_leads' ) ? SENW_CRM_Admin::agent_choices() : SENW_CRM_Admin::assignable_agents( get_current_user_id() );
			self::dropdown( 'agent_id', __( 'Agent', 'senw-crm' ), __( 'All agents', 'senw-crm' ), array( 'none' => __( 'Unassigned', 'senw-crm' ) ) + $agents, (string) $this->filters['agent_id'] );
		}
		printf( '<label class="screen-reader-text" for="senw-filter-tag">%1$s</label><input type="search" name="tag" id="senw-filter-tag" placeholder="%1$s" value="%2$s" class="senw-tag-filter">', esc_attr__( 'Tag', 'senw-crm' ), esc_attr( $this->filters['tag'] ) );
		submit_button( __( 'Filter', 'senw-crm' ), '', 'filter_action', false, array( 'id' => 'senw-crm-filter-submit' ) );
		echo '</div>';
		SENW_CRM_Bulk::tablenav( $this->filters );
	}

	protected function get_bulk_actions() {
		return SENW_CRM_Bulk::actions();
	}

	protected function column_cb( $item ) {
		$id = (int) self::field( $item, 'id' );
		return sprintf( '<input type="checkbox" name="lead[]" value="%d" id="senw-cb-%d">', $id, $id );
	}

	/** A filter select with its visible label above it. */
	private static function dropdown( $name, $label, $all_label, array $choices, $current ) {
		printf( '<span class="senw-crm-filter-field"><label for="senw-filter-%1$s">%2$s</label>', esc_attr( $name ), esc_html( $label ) );
		printf( '<select name="%1$s" id="senw-filter-%1$s">', esc_attr( $name ) );
		printf( '<option value="">%s</option>', esc_html( $all_label ) );
		SENW_CRM_Admin::select_options( $choices, $current );
		echo '</select></span>';
	}

	private static function field( $item, $key ) {
		if ( is_object( $item ) ) {
			return isset( $item->$key ) ? $item->$key : '';
		}
		return isset( $item[ $key ] ) ? $item[ $key ] : '';
	}

	protected function column_name( $item ) {
		$id   = (int) self::field( $item, 'id' );
		$url  = SENW_CRM_Admin::lead_url( $id );
		$name = (string) self::field( $item, 'display_name' );
		if ( '' === trim( $name ) ) {
			$name = __( '(no name)', 'senw-crm' );
		}
		$out     = sprintf( '<strong><a class="row-title" href="%1$s">%2$s</a></strong>', esc_url( $url ), esc_html( $name ) );
		$actions = array(
			'view' => sprintf( '<a href="%1$s">%2$s</a>', esc_url( $url ), esc_html__( 'View', 'senw-crm' ) ),
		);
		return $out . $this->row_actions( $actions );
	}

	protected function column_email( $item ) {
		$email = (string) self::field( $item, 'primary_email' );
		return '' === $email ? '&#8212;' : sprintf( '<a href="%1$s">%2$s</a>', esc_url( 'mailto:' . $email ), esc_html( $email ) );
	}

	protected function column_phone( $item ) {
		$phone = (string) self::field( $item, 'primary_phone' );
		return '' === $phone ? '&#8212;' : esc_html( SENW_CRM_Phone::display( $phone ) );
	}

	protected function column_status( $item ) {
		return esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::status_labels(), self::field( $item, 'status' ) ) );
	}

	protected function column_temperature( $item ) {
		$temp = (string) self::field( $item, 'temperature' );
		return sprintf( '<span class="senw-temp senw-temp-%1$s">%2$s</span>', esc_attr( $temp ), esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::temperature_labels(), $temp ) ) );
	}

	protected function column_source( $item ) {
		return esc_html( SENW_CRM_Admin::label( SENW_CRM_Admin::source_labels(), self::field( $item, 'source' ) ) );
	}

	protected function column_agent( $item ) {
		$agent = (int) self::field( $item, 'agent_id' );
		if ( ! $agent ) {
			return '<em>' . esc_html__( 'Unassigned', 'senw-crm' ) . '</em>';
		}
		$name = (string) self::field( $item, 'agent_name' );
		return esc_html( '' !== $name ? $name : '#' . $agent );
	}

	protected function column_score( $item ) {
		return esc_html( (string) (int) self::field( $item, 'score' ) );
	}

	protected function column_created_at( $item ) {
		return esc_html( SENW_CRM_Admin::local_time( self::field( $item, 'created_at' ) ) );
	}

	protected function column_default( $item, $column_name ) {
		return esc_html( (string) self::field( $item, $column_name ) );
	}
}
