<?php
/**
 * The agents' property search table (CRM > Properties): WP_List_Table over
 * SENW_CRM_Properties::search(), with the filters in the top table nav.
 */

defined( 'ABSPATH' ) || exit;

if ( ! class_exists( 'WP_List_Table' ) ) {
	require_once ABSPATH . 'wp-admin/includes/class-wp-list-table.php';
}

class SENW_CRM_Properties_List_Table extends WP_List_Table {

	/** @var array Valid filters in use. */
	public $filters = array();

	/** @var array field => message for bad filter input. */
	public $errors = array();

	/** @var array Raw (unslashed) filter input, to show back in the form. */
	public $raw = array();

	public function __construct() {
		parent::__construct(
			array(
				'singular' => 'property',
				'plural'   => 'properties',
				'ajax'     => false,
			)
		);
	}

	public function prepare_items() {
		// phpcs:disable WordPress.Security.NonceVerification.Recommended -- a search form: reads only, changes nothing.
		$raw = array();
		foreach ( array_merge( array_keys( SENW_CRM_Properties::filters() ), array( 'show_removed' ) ) as $name ) {
			if ( isset( $_GET[ $name ] ) && ! is_array( $_GET[ $name ] ) ) {
				$raw[ $name ] = sanitize_text_field( wp_unslash( $_GET[ $name ] ) );
			}
		}
		$orderby = isset( $_GET['orderby'] ) ? sanitize_key( wp_unslash( $_GET['orderby'] ) ) : 'newest';
		$order   = isset( $_GET['order'] ) ? sanitize_key( wp_unslash( $_GET['order'] ) ) : 'desc';
		// phpcs:enable
		$this->raw                        = $raw;
		list( $this->filters, $this->errors ) = SENW_CRM_Properties::parse_filters( $raw, current_user_can( 'senw_run_mls_sync' ) );

		$per_page = $this->get_items_per_page( 'senw_crm_properties_per_page', 20 );
		$per_page = min( SENW_CRM_Properties::MAX_PER_PAGE, $per_page );
		$result   = SENW_CRM_Properties::search( $this->filters, $orderby, $order, $this->get_pagenum(), $per_page );

		$this->items           = $result['rows'];
		$this->_column_headers = array( $this->get_columns(), array(), $this->get_sortable_columns(), 'address' );
		$this->set_pagination_args(
			array(
				'total_items' => $result['total'],
				'per_page'    => $per_page,
				'total_pages' => (int) ceil( $result['total'] / $per_page ),
			)
		);
	}

	public function get_columns() {
		return array(
			'photo'       => '<span class="screen-reader-text">' . esc_html__( 'Photo', 'senw-crm' ) . '</span>',
			'address'     => __( 'Address', 'senw-crm' ),
			'status'      => __( 'Status', 'senw-crm' ),
			'type'        => __( 'Type', 'senw-crm' ),
			'price'       => __( 'Price', 'senw-crm' ),
			'beds'        => __( 'Beds', 'senw-crm' ),
			'baths'       => __( 'Baths', 'senw-crm' ),
			'living_area' => __( 'Living area', 'senw-crm' ),
			'dom'         => __( 'DOM', 'senw-crm' ),
			'agent'       => __( 'Listing agent', 'senw-crm' ),
			'modified'    => __( 'Modified', 'senw-crm' ),
		);
	}

	protected function get_sortable_columns() {
		return array(
			'price'       => array( 'price', true ),
			'beds'        => array( 'beds', true ),
			'living_area' => array( 'living_area', true ),
			'dom'         => array( 'dom', false ),
			'modified'    => array( 'modified', true ),
		);
	}

	public function no_items() {
		esc_html_e( 'No listings match these filters.', 'senw-crm' );
	}

	protected function column_default( $item, $column_name ) {
		switch ( $column_name ) {
			case 'status':
				$out = esc_html( (string) $item['StandardStatus'] );
				if ( '0' === (string) $item['searchable'] ) {
					$out .= ' <em>(' . esc_html__( 'removed', 'senw-crm' ) . ')</em>';
				}
				return $out;
			case 'type':
				return esc_html( trim( $item['PropertyType'] . ( $item['PropertySubType'] ? ' / ' . $item['PropertySubType'] : '' ) ) );
			case 'price':
				return null === $item['ListPrice'] ? '&mdash;' : esc_html( '$' . number_format_i18n( (float) $item['ListPrice'] ) );
			case 'beds':
				return esc_html( (string) $item['BedroomsTotal'] );
			case 'baths':
				return esc_html( (string) $item['BathroomsTotalInteger'] );
			case 'living_area':
				return null === $item['LivingArea'] ? '&mdash;' : esc_html( number_format_i18n( (float) $item['LivingArea'] ) );
			case 'dom':
				return esc_html( (string) $item['DaysOnMarket'] );
			case 'agent':
				return esc_html( (string) $item['ListAgentFullName'] ) . ( $item['ListOfficeName'] ? '<br><span class="description">' . esc_html( $item['ListOfficeName'] ) . '</span>' : '' );
			case 'modified':
				return esc_html( SENW_CRM_Properties::local_time( $item['ModificationTimestamp'] ) );
		}
		return '';
	}

	public function single_row( $item ) {
		echo '<tr data-listing-key="' . esc_attr( $item['ListingKey'] ) . '">';
		$this->single_row_columns( $item );
		echo '</tr>';
	}

	protected function column_photo( $item ) {
		if ( empty( $item['first_photo_url'] ) ) {
			return '';
		}
		return '<img class="senw-crm-thumb" src="' . esc_url( $item['first_photo_url'] ) . '" alt="" width="80" height="60" loading="lazy">';
	}

	protected function column_address( $item ) {
		$url   = SENW_CRM_Admin_Properties::property_url( $item['ListingKey'], '0' === (string) $item['searchable'] );
		$label = trim( (string) $item['UnparsedAddress'] );
		if ( '' === $label ) {
			$label = $item['ListingKey'];
		}
		$place = trim( implode( ', ', array_filter( array( $item['City'], trim( $item['StateOrProvince'] . ' ' . $item['PostalCode'] ) ) ) ) );
		return '<strong><a class="row-title" href="' . esc_url( $url ) . '">' . esc_html( $label ) . '</a></strong>'
			. ( $place ? '<br>' . esc_html( $place ) : '' )
			. '<br><span class="description">' . esc_html( $item['ListingId'] ? $item['ListingId'] : $item['ListingKey'] ) . '</span>';
	}

	/** The filter form fields, above the table. */
	protected function extra_tablenav( $which ) {
		if ( 'top' !== $which ) {
			return;
		}
		SENW_CRM_Properties::template( 'admin-filters', array( 'table' => $this ) );
	}

	/** The query args of the current filters, for links that keep them. */
	public function filter_args() {
		return array_filter(
			$this->raw,
			static function ( $v ) {
				return '' !== $v;
			}
		);
	}
}
